import { useEffect, useState, type FormEvent } from 'react';
import type { BenchP } from '../../../agent/protocol/messages.ts';
import { go, useClient, useEvents } from '../client-context.ts';

const pct = (score: number | undefined) => (score === undefined ? '–' : `${(score * 100).toFixed(1)}%`);

function BenchDetail({ bench }: { bench: BenchP }) {
  const done = bench.tasks.filter((t) => t.score !== undefined).length;
  const total = bench.total ?? bench.tasks.length;
  return (
    <div className="bench" data-testid="bench-detail">
      <h2>
        {bench.suite ?? bench.id} <span className={`badge b-${bench.status}`}>{bench.status}</span>
      </h2>
      <p className="muted">{bench.model}</p>
      <p>
        <progress max={Math.max(1, total)} value={done} /> <span data-testid="bench-progress">{done} / {total} tasks</span> · overall{' '}
        <b data-testid="overall">{pct(bench.overall)}</b>
      </p>
      {bench.error ? <p className="error">{bench.error}</p> : null}
      <table data-testid="domain-scores">
        <thead>
          <tr>
            <th>domain</th>
            <th>score</th>
            <th>tasks</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(bench.domains).map(([name, d]) => (
            <tr key={name}>
              <td>{name}</td>
              <td>{pct(d.score)}</td>
              <td>{d.tasks}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table data-testid="task-list">
        <thead>
          <tr>
            <th>task</th>
            <th>domain</th>
            <th>score</th>
          </tr>
        </thead>
        <tbody>
          {bench.tasks.map((t) => (
            <tr key={`${t.domain}/${t.id}`}>
              <td>{t.traceId ? <a href={`#/replay/${t.traceId}`}>{t.id}</a> : t.id}</td>
              <td>{t.domain}</td>
              <td>{t.score === undefined ? 'running…' : t.score}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Bench runs: start one, watch per-task progress, per-domain scores, drill into a task's trace. */
export function TasksScreen({ benchId }: { benchId: string }) {
  const client = useClient();
  const [benches, setBenches] = useState<BenchP[]>([]);
  const [suite, setSuite] = useState('');
  const [model, setModel] = useState('');
  const [envs, setEnvs] = useState(1);
  const [zoomClicks, setZoomClicks] = useState(false);
  const [error, setError] = useState<string>();
  useEffect(() => {
    client.request({ type: 'bench.list' }).then((r) => setBenches(r.benches), (e: Error) => setError(e.message));
  }, [client]);
  useEvents((event) => {
    if (event.type === 'bench.progress') setBenches((bs) => [event.bench, ...bs.filter((b) => b.id !== event.bench.id)].sort((a, b) => b.id.localeCompare(a.id)));
  }, []);
  const start = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const { benchId: id } = await client.request({ type: 'bench.start', suite, model, envs, maxSteps: 15, zoomClicks });
      go('tasks', id);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const selected = benches.find((b) => b.id === benchId) ?? benches[0];
  return (
    <section className="screen" data-testid="tasks-screen">
      <h1>Task runs</h1>
      <form className="row" onSubmit={start}>
        <input placeholder="task index or folder" value={suite} onChange={(e) => setSuite(e.target.value)} data-testid="suite" />
        <input placeholder="model spec" value={model} onChange={(e) => setModel(e.target.value)} data-testid="bench-model" />
        <label>
          envs <input type="number" min={1} max={16} value={envs} onChange={(e) => setEnvs(Number(e.target.value))} />
        </label>
        <label title="Before each click, the model looks again at a full-resolution crop around its point (costs a model call per click)">
          <input type="checkbox" checked={zoomClicks} onChange={(e) => setZoomClicks(e.target.checked)} data-testid="bench-zoom-clicks" /> zoom in before clicks
        </label>
        <button type="submit" disabled={!suite || !model}>Start bench run</button>
      </form>
      {error ? <p className="error">{error}</p> : null}
      <div className="split">
        <ul className="bench-list">
          {benches.map((b) => (
            <li key={b.id}>
              <a href={`#/tasks/${b.id}`} className={b.id === selected?.id ? 'selected' : ''}>
                {b.suite ?? b.id} · {pct(b.overall)} · {b.status}
              </a>
            </li>
          ))}
        </ul>
        {selected ? <BenchDetail bench={selected} /> : <p className="muted">No bench runs in the runs folder yet.</p>}
      </div>
    </section>
  );
}
