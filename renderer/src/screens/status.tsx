import { useEffect, useState } from 'react';
import type { RunP } from '../../../agent/protocol/messages.ts';
import { useClient, useEvents } from '../client-context.ts';

/**
 * The always-on-top status bar Electron shows during a run (click-through, excluded from capture):
 * what the agent is doing and how to stop it.
 */
export function StatusScreen() {
  const client = useClient();
  const [run, setRun] = useState<RunP>();
  const [step, setStep] = useState(0);
  useEffect(() => {
    void client.request({ type: 'runs.list' }).then((r) => setRun(r.runs.find((x) => x.live)));
  }, [client]);
  useEvents((event) => {
    if (event.type === 'run.status') setRun(event.run.live ? event.run : undefined);
    if (event.type === 'step.started') setStep(event.step);
  }, []);
  if (!run) return <div className="statusbar">DeskPilot idle</div>;
  return (
    <div className="statusbar" data-testid="statusbar">
      <b>DeskPilot</b> {run.status.replace('_', ' ')} · step {step || run.steps}/{run.settings.maxSteps} · <kbd>Ctrl+Alt+Shift+S</kbd> stops
    </div>
  );
}
