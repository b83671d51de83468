import { useEffect, useMemo, useState } from 'react';
import { RunStatusSchema, type RunP } from '../../../agent/protocol/messages.ts';
import { useClient, useEvents } from '../client-context.ts';
import { StatusBadge } from '../run-controls.tsx';
import { VirtualList } from '../virtual-list.tsx';

/** Every run in the runs folder, filterable by status and searchable by text. */
export function LibraryScreen() {
  const client = useClient();
  const [runs, setRuns] = useState<RunP[]>([]);
  const [status, setStatus] = useState('');
  const [query, setQuery] = useState('');
  const [error, setError] = useState<string>();
  useEffect(() => {
    client.request({ type: 'runs.list' }).then((r) => setRuns(r.runs), (e: Error) => setError(e.message));
  }, [client]);
  useEvents((event) => {
    if (event.type === 'run.status') setRuns((rs) => (rs.some((r) => r.id === event.run.id) ? rs.map((r) => (r.id === event.run.id ? event.run : r)) : [event.run, ...rs]));
  }, []);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return runs.filter((r) => (!status || r.status === status) && (!q || `${r.instruction} ${r.id} ${r.model} ${r.message ?? ''}`.toLowerCase().includes(q)));
  }, [runs, status, query]);
  return (
    <section className="screen" data-testid="library-screen">
      <h1>Trace library</h1>
      <div className="row">
        <input type="search" placeholder="Search instruction, model, id" value={query} onChange={(e) => setQuery(e.target.value)} data-testid="search" />
        <select value={status} onChange={(e) => setStatus(e.target.value)} data-testid="status-filter">
          <option value="">all statuses</option>
          {RunStatusSchema.options.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <span className="muted">
          {shown.length} of {runs.length} runs
        </span>
      </div>
      {error ? <p className="error">{error}</p> : null}
      <VirtualList
        testId="run-list"
        items={shown}
        rowHeight={44}
        height={520}
        render={(r) => (
          <a className="run-row" href={`#/${r.live ? 'live' : 'replay'}/${r.id}`} data-testid="run-row">
            <StatusBadge status={r.status} /> <b>{r.instruction}</b> <span className="muted">{r.steps} steps · {r.model} · {r.startedAt.slice(0, 19).replace('T', ' ')}</span>
          </a>
        )}
      />
    </section>
  );
}
