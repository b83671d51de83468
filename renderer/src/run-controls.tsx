import { useState } from 'react';
import type { RunP } from '../../agent/protocol/messages.ts';
import { useClient } from './client-context.ts';

/** Pause / resume / stop for a live run. */
export function RunControls({ run }: { run: RunP }) {
  const client = useClient();
  const [error, setError] = useState<string>();
  if (!run.live) return null;
  const act = (type: 'run.pause' | 'run.resume' | 'run.stop') => client.request({ type, runId: run.id }).then(() => setError(undefined), (e: Error) => setError(e.message));
  return (
    <div className="controls">
      {run.status === 'paused' ? (
        <button onClick={() => act('run.resume')} data-testid="resume">Resume</button>
      ) : (
        <button onClick={() => act('run.pause')} data-testid="pause">Pause</button>
      )}
      <button className="danger" onClick={() => act('run.stop')} data-testid="stop">Stop</button>
      {error ? <span className="error">{error}</span> : null}
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge s-${status}`} data-testid="status">{status.replace('_', ' ')}</span>;
}
