import type { ModelActionP, ScreenActionP, StepP } from '../../agent/protocol.ts';
import { formatMs } from './client-context.ts';
import { ActionOverlay } from './overlay.tsx';
import { VirtualList } from './virtual-list.tsx';

function fmtPoint(p: { x: number; y: number; unit?: string } | undefined): string {
  if (!p) return '(pointer)';
  const n = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));
  return `(${n(p.x)}, ${n(p.y)}${p.unit ? ` ${p.unit}` : ''})`;
}

/** One action in words, with its points in the space given: `click left ×1 (412, 96)`. */
export function describe(action: ScreenActionP | ModelActionP): string {
  switch (action.kind) {
    case 'click':
      return `click ${action.button}${action.clicks > 1 ? ` ×${action.clicks}` : ''} ${fmtPoint(action.at)}`;
    case 'mouse_down':
    case 'mouse_up':
      return `${action.kind} ${action.button} ${fmtPoint(action.at)}`;
    case 'move':
      return `move ${fmtPoint(action.to)}`;
    case 'drag':
      return `drag ${fmtPoint(action.from)} → ${fmtPoint(action.to)}`;
    case 'scroll':
      return `scroll dx=${action.dx} dy=${action.dy} ${fmtPoint(action.at)}`;
    case 'type':
      return `type ${JSON.stringify(action.text)}`;
    case 'press':
      return `press ${action.key}${action.presses > 1 ? ` ×${action.presses}` : ''}`;
    case 'hotkey':
      return `hotkey ${action.keys.join('+')}`;
    case 'key_down':
    case 'key_up':
      return `${action.kind} ${action.key}`;
    case 'wait':
      return `wait ${action.seconds}s`;
    case 'done':
      return `done${action.answer ? ` ${JSON.stringify(action.answer)}` : ''}`;
    case 'fail':
      return `fail${action.reason ? ` ${JSON.stringify(action.reason)}` : ''}`;
    case 'call_user':
      return `call user${action.question ? ` ${JSON.stringify(action.question)}` : ''}`;
  }
}

/** What the model's step cost: prompt tokens (how many the KV cache served), vision, prefill, decode speed. */
function ModelFigures({ figures }: { figures: StepP['model'] }) {
  if (!figures) return null;
  const parts: string[] = [];
  if (figures.promptTokens !== undefined) parts.push(`${figures.promptTokens} prompt tokens${figures.cachedTokens ? ` (${figures.cachedTokens} cached)` : ''}`);
  if (figures.visionMs !== undefined) parts.push(`vision ${formatMs(figures.visionMs)}`);
  if (figures.prefillMs !== undefined) parts.push(`prefill ${formatMs(figures.prefillMs)}`);
  if (figures.decodeTokensPerSecond !== undefined) parts.push(`decode ${figures.decodeTokensPerSecond.toFixed(1)} tok/s`);
  return parts.length > 0 ? <p className="muted" data-testid="model-figures">model: {parts.join(' · ')}</p> : null;
}

export function StepDetail({ step }: { step: StepP }) {
  const { captureWidth, captureHeight, modelWidth, modelHeight, display } = step.observation;
  return (
    <div className="step-detail" data-testid="step-detail" data-step={step.step}>
      <ActionOverlay src={step.screenshotUrl} width={captureWidth} height={captureHeight} actions={step.actions.map((a) => a.capture)} alt={`step ${step.step}`} />
      <div className="step-text">
        <h3>Step {step.step}</h3>
        <p className="muted">
          display {display.id} {display.width}×{display.height} @{display.scaleFactor}x · capture {captureWidth}×{captureHeight} · model {modelWidth}×{modelHeight}
        </p>
        <ModelFigures figures={step.model} />
        {step.thought ? <p data-testid="thought">{step.thought}</p> : null}
        {step.parseError ? <p className="error">Parse error: {step.parseError}</p> : null}
        {step.feedback ? <p className="warn">{step.feedback}</p> : null}
        <table className="actions" data-testid="actions">
          <thead>
            <tr>
              <th>model</th>
              <th>capture</th>
              <th>screen</th>
              <th>result</th>
            </tr>
          </thead>
          <tbody>
            {step.actions.map((a, i) => (
              <tr key={i}>
                <td>{describe(a.model)}</td>
                <td>{describe(a.capture)}</td>
                <td>{describe(a.screen)}</td>
                <td>
                  {a.safety && a.safety.decision !== 'allow' ? `${a.safety.decision}${a.safety.rule ? ` (${a.safety.rule})` : ''} ` : ''}
                  {a.execution ? (a.execution.ok ? 'ok' : `error: ${a.execution.error ?? ''}`) : '–'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {step.thinking ? (
          <details>
            <summary>Thinking</summary>
            <pre>{step.thinking}</pre>
          </details>
        ) : null}
        <details open>
          <summary>Raw model output</summary>
          <pre data-testid="raw">{step.raw}</pre>
        </details>
      </div>
    </div>
  );
}

/** Steps as a virtualized timeline with timings; click selects. */
export function StepTimeline({ steps, selected, onSelect, height = 420 }: { steps: readonly StepP[]; selected?: number; onSelect(index: number): void; height?: number }) {
  return (
    <VirtualList
      testId="timeline"
      items={steps}
      rowHeight={34}
      height={height}
      revealIndex={selected}
      render={(s, i) => (
        <button className={`tl-row${i === selected ? ' selected' : ''}`} onClick={() => onSelect(i)} data-testid="timeline-row">
          <b>{s.step}</b> {s.summary ?? (s.actions[0] ? describe(s.actions[0].screen) : s.parseError ? 'parse error' : '—')}
          <span className="muted"> {formatMs(s.timings.stepMs)} (model {formatMs(s.timings.modelMs)})</span>
        </button>
      )}
    />
  );
}
