import { useState, type FormEvent } from 'react';
import type { GroundingCheckP, GroundingProgressP, GroundingTargetP, SettingsP } from '../../agent/protocol/messages.ts';
import { formatMs, useClient, useEvents } from './client-context.ts';
import { DisplayField, ExecutionProviderField } from './host-fields.tsx';

const STAGES: Record<GroundingProgressP['stage'], string> = {
  capture: 'capturing the screen',
  model: 'opening the model',
  labels: 'looking for the labels',
};

const at = (p: { x: number; y: number } | null | undefined) => (p ? `(${Math.round(p.x)}, ${Math.round(p.y)})` : 'no point');

/** One row per label: where it was drawn, where the model pointed, hit or miss, how long it took. */
function TargetRows({ targets, zoom }: { targets: readonly GroundingTargetP[]; zoom: boolean }) {
  return (
    <table data-testid="grounding-targets">
      <thead>
        <tr>
          <th>label</th>
          <th>result</th>
          <th>model's point</th>
          {zoom ? <th>first look</th> : null}
          <th>label box</th>
          <th>time</th>
        </tr>
      </thead>
      <tbody>
        {targets.map((t) => (
          <tr key={t.label} data-testid="grounding-target" data-label={t.label} data-hit={t.hit}>
            <td>
              <code>{t.label}</code>
            </td>
            <td className={t.hit ? 'd-allow' : 'd-deny'}>{t.hit ? 'hit' : 'miss'}</td>
            <td>{at(t.point)}</td>
            {zoom ? <td>{at(t.first)}</td> : null}
            <td>
              {t.box.width}×{t.box.height} at ({t.box.x}, {t.box.y})
            </td>
            <td>{formatMs(t.ms)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Result({ check }: { check: GroundingCheckP }) {
  const { timings } = check;
  return (
    <div className="card" data-testid="grounding-result">
      <p data-testid="grounding-score">
        <b>
          Found {check.found} of {check.total} labels ({Math.round(check.score * 100)}%)
        </b>
      </p>
      <p className="muted" data-testid="grounding-facts">
        model <code>{check.model}</code> · display {check.display ?? 'default'} {check.width}×{check.height}
        {check.zoom ? ' · with a second, zoomed look' : ''}
      </p>
      <p className="muted" data-testid="grounding-timings">
        capture {formatMs(timings.captureMs)} · model load {formatMs(timings.loadMs)} · grounding {formatMs(timings.groundMs)} · total {formatMs(timings.totalMs)}
      </p>
      <TargetRows targets={check.targets} zoom={check.zoom} />
    </div>
  );
}

/**
 * The grounding check of `deskpilot doctor --grounding`, on this host's screen: five labels drawn on a
 * capture, the model asked for each. Progress comes as events while the command runs.
 */
export function GroundingCheck({ settings }: { settings: SettingsP }) {
  const client = useClient();
  const [model, setModel] = useState(settings.models[0]?.spec ?? '');
  const [display, setDisplay] = useState('');
  const [provider, setProvider] = useState('');
  const [zoom, setZoom] = useState(false);
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<GroundingProgressP>();
  const [seen, setSeen] = useState<GroundingTargetP[]>([]);
  const [check, setCheck] = useState<GroundingCheckP>();
  const [error, setError] = useState<string>();

  useEvents((event) => {
    if (event.type !== 'grounding.progress') return;
    setProgress(event.progress);
    const target = event.progress.target;
    if (event.progress.stage !== 'labels') setSeen([]);
    else if (target) setSeen((rows) => [...rows.filter((r) => r.label !== target.label), target]);
  }, []);

  const start = async (e: FormEvent) => {
    e.preventDefault();
    setRunning(true);
    setError(undefined);
    setCheck(undefined);
    setProgress(undefined);
    setSeen([]);
    try {
      const reply = await client.request({
        type: 'grounding.check',
        model,
        zoom,
        ...(display.trim() ? { display: display.trim() } : {}),
        ...(provider ? { executionProvider: provider } : {}),
      });
      setCheck(reply.check);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setRunning(false);
      setProgress(undefined);
    }
  };

  return (
    <div data-testid="grounding-check">
      <p className="muted">
        Draws five small labels on a capture of the screen and asks the model to find each, like <code>deskpilot doctor --grounding</code>. Nothing is clicked.
      </p>
      <form onSubmit={start} className="form">
        <div className="row">
          <label>
            Model
            <input list="grounding-models" value={model} onChange={(e) => setModel(e.target.value)} placeholder="kimi-vl:/path/to/package" data-testid="grounding-model" />
            <datalist id="grounding-models">
              {settings.models.map((m) => (
                <option key={m.spec} value={m.spec}>
                  {m.name}
                </option>
              ))}
            </datalist>
          </label>
          <DisplayField value={display} onChange={setDisplay} displays={settings.displays} listId="grounding-displays" testId="grounding-display" />
          <ExecutionProviderField value={provider} onChange={setProvider} providers={settings.executionProviders} testId="grounding-provider" />
          <label className="check" title="Each answer gets a second look at a full-resolution crop around it, as runs do with zoom-in clicks">
            <input type="checkbox" checked={zoom} onChange={(e) => setZoom(e.target.checked)} data-testid="grounding-zoom" /> Zoomed second look
          </label>
          <button type="submit" disabled={running || !model.trim()} data-testid="grounding-start">
            Check grounding
          </button>
          {running ? (
            <button type="button" className="danger" onClick={() => void client.request({ type: 'grounding.stop' })} data-testid="grounding-stop">
              Stop
            </button>
          ) : null}
        </div>
      </form>
      {running ? (
        <div data-testid="grounding-progress" data-stage={progress?.stage ?? 'capture'} data-done={progress?.done ?? 0}>
          <p>
            {STAGES[progress?.stage ?? 'capture']}
            {progress?.stage === 'labels' ? ` (${progress.done} of ${progress.total})` : '…'}
          </p>
          <progress max={progress?.total ?? 1} value={progress?.done ?? 0} />
          {seen.length > 0 ? <TargetRows targets={seen} zoom={zoom} /> : null}
        </div>
      ) : null}
      {error ? (
        <p className="error" data-testid="grounding-error">
          {error}
        </p>
      ) : null}
      {check ? <Result check={check} /> : null}
    </div>
  );
}
