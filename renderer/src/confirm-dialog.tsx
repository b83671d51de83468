import { useEffect, useState } from 'react';
import { describeAction } from '../../agent/protocol/describe.ts';
import type { ConfirmRequestP } from '../../agent/protocol/messages.ts';
import { useClient, useEvents } from './client-context.ts';
import { ActionOverlay } from './overlay.tsx';

/** The safety confirmation: the action drawn on the screen it would act on, approve or deny. */
export function ConfirmDialog() {
  const client = useClient();
  const [request, setRequest] = useState<ConfirmRequestP>();
  useEvents((event) => {
    if (event.type === 'confirm.request') setRequest(event.request);
    if (event.type === 'run.status' && request && event.run.id === request.runId && event.run.status !== 'awaiting_confirmation') setRequest(undefined);
  }, [request]);
  // A question asked before this window opened (or reconnected) is still waiting in the host.
  useEffect(() => {
    void (async () => {
      const { runs } = await client.request({ type: 'runs.list' });
      for (const run of runs.filter((r) => r.live && r.status === 'awaiting_confirmation')) {
        const { pending } = await client.request({ type: 'runs.get', runId: run.id });
        if (pending) setRequest((current) => current ?? pending);
      }
    })().catch(() => undefined);
  }, [client]);
  const answer = async (approve: boolean) => {
    if (!request) return;
    setRequest(undefined);
    await client.request({ type: 'run.confirm', runId: request.runId, approve }).catch(() => undefined);
  };
  useEffect(() => {
    if (!request) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') void answer(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
  if (!request) return null;
  return (
    <div className="modal" role="dialog" aria-modal="true" data-testid="confirm-dialog">
      <div className="modal-body">
        <h2>Allow this action?</h2>
        <p>
          Step {request.step}: <code data-testid="confirm-action">{describeAction(request.action.screen)}</code> {request.rule ? <>matched rule <code>{request.rule}</code></> : null}
        </p>
        {request.reason ? <p>{request.reason}</p> : null}
        <ActionOverlay src={request.screenshotUrl} width={request.captureWidth} height={request.captureHeight} actions={[request.action.capture]} />
        <div className="controls">
          <button className="danger" onClick={() => answer(false)} data-testid="deny">Deny</button>
          <button onClick={() => answer(true)} data-testid="approve">Allow once</button>
        </div>
      </div>
    </div>
  );
}
