import { useEffect, useState } from 'react';
import type { RunP, StepP } from '../../../agent/protocol/messages.ts';
import { useClient, useEvents } from '../client-context.ts';
import { RunControls, StatusBadge } from '../run-controls.tsx';
import { StepDetail, StepTimeline } from '../step-view.tsx';

/** A run as it happens: latest screenshot with its actions, the model's streaming text, the timeline. */
export function LiveScreen({ runId }: { runId: string }) {
  const client = useClient();
  const [run, setRun] = useState<RunP>();
  const [steps, setSteps] = useState<StepP[]>([]);
  const [selected, setSelected] = useState<number>();
  const [current, setCurrent] = useState<{ step: number; thinking: string; answer: string }>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    setSteps([]);
    client.request({ type: 'runs.get', runId }).then(
      (r) => {
        setRun(r.run);
        setSteps((known) => (known.length > r.steps.length ? known : r.steps));
      },
      (e: Error) => setError(e.message),
    );
  }, [client, runId]);

  useEvents((event) => {
    switch (event.type) {
      case 'run.status':
        if (event.run.id === runId) setRun(event.run);
        break;
      case 'step.started':
        if (event.runId === runId) setCurrent({ step: event.step, thinking: '', answer: '' });
        break;
      case 'model.delta':
        if (event.runId === runId) setCurrent((c) => (c && c.step === event.step ? { ...c, [event.channel]: c[event.channel] + event.delta } : { step: event.step, thinking: '', answer: '', [event.channel]: event.delta }));
        break;
      case 'step.recorded':
        if (event.runId === runId) setSteps((s) => [...s.filter((x) => x.step !== event.step.step), event.step].sort((a, b) => a.step - b.step));
        break;
      default:
        break;
    }
  }, [runId]);

  const shown = selected !== undefined ? steps[selected] : steps[steps.length - 1];
  return (
    <section className="screen" data-testid="live-screen">
      <h1>
        {run?.instruction ?? runId} {run ? <StatusBadge status={run.status} /> : null}
      </h1>
      {error ? <p className="error">{error}</p> : null}
      {run ? (
        <p className="muted">
          {run.model} · {steps.length} / {run.settings.maxSteps} steps {run.message ? `· ${run.message}` : ''} · <a href={`#/replay/${runId}`}>open in replay</a>
        </p>
      ) : null}
      {run ? <RunControls run={run} /> : null}
      {current && run?.live ? (
        <div className="stream" data-testid="stream">
          <b>Step {current.step}</b>
          {current.thinking ? <pre className="thinking">{current.thinking}</pre> : null}
          <pre>{current.answer || '…'}</pre>
        </div>
      ) : null}
      <div className="split">
        <StepTimeline steps={steps} selected={selected ?? steps.length - 1} onSelect={setSelected} />
        {shown ? <StepDetail step={shown} /> : <p className="muted">No steps yet.</p>}
      </div>
    </section>
  );
}
