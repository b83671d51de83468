import { describeAction } from '../../agent/protocol/describe.ts';
import type { StepP } from '../../agent/protocol/messages.ts';
import { formatMs } from './client-context.ts';
import { ActionOverlay, type CandidateMark } from './overlay.tsx';
import { hasPoint } from '../../agent/protocol/actions.ts';
import { VirtualList } from './virtual-list.tsx';

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

/** Where each candidate of a best-of-N step would have acted first (its first action with a place). */
function candidateMarks(samples: StepP['samples']): CandidateMark[] {
  if (!samples) return [];
  return samples.candidates.flatMap((c, i) => {
    const first = c.actions.find((a) => hasPoint(a)) as { at?: { x: number; y: number }; to?: { x: number; y: number } } | undefined;
    const at = first?.at ?? first?.to;
    return at ? [{ at, group: c.group, chosen: i === samples.chosen }] : [];
  });
}

/** Best of N: every candidate, its group, which one ran and what the others cost. */
function Samples({ samples }: { samples: NonNullable<StepP['samples']> }) {
  return (
    <details className="samples" data-testid="samples" data-chosen={samples.chosen}>
      <summary>
        {samples.candidates.length} candidates, chosen by {samples.select}: #{samples.chosen + 1} ran · {samples.extraTokens} extra tokens
        {samples.prefilledTokens !== undefined ? `, ${samples.prefilledTokens} prompt tokens prefilled again` : ''}, {formatMs(samples.extraMs)}
      </summary>
      {samples.judge ? <p className="muted">Judge: {samples.judge.reply}{samples.judge.note ? ` (${samples.judge.note})` : ''}</p> : null}
      <ol>
        {samples.candidates.map((c, i) => (
          <li key={i} data-testid="candidate" data-group={c.group}>
            {i === samples.chosen ? <b>ran: </b> : null}
            {c.group >= 0 ? `group ${c.group + 1}: ${c.actions.map((a) => describeAction(a)).join('; ')}` : `unusable: ${c.parseError ?? 'no action'}`}
          </li>
        ))}
      </ol>
    </details>
  );
}

const RETHINK_REASONS = { confirm: 'an action the policy asks about', done: 'done', repeat: 'the same actions as the step before' } as const;

/** The second look (--rethink): both answers side by side, which one ran, what it cost. */
function Rethink({ look }: { look: NonNullable<StepP['rethink']> }) {
  const cost = `${look.extraTokens} extra tokens${look.cachedTokens !== undefined ? ` (${look.cachedTokens} of ${look.promptTokens ?? '?'} prompt tokens cached)` : ''}, ${formatMs(look.extraMs)}`;
  return (
    <details className="rethink" data-testid="rethink" data-used={look.used} open>
      <summary>
        Rethought ({RETHINK_REASONS[look.reason]}): the {look.used} answer ran · {cost}
      </summary>
      {look.note ? <p className="warn">{look.note}</p> : null}
      <p className="muted">First answer</p>
      <pre data-testid="rethink-first">{look.first.answer}</pre>
      <p className="muted">After “{look.trigger}”</p>
      <pre data-testid="rethink-second">{look.second.answer}</pre>
    </details>
  );
}

/** The done check (--verify-done): what the judge said and what it did to the run. */
function Verification({ check }: { check: NonNullable<StepP['verification']> }) {
  const verdict = check.verdict === 'yes' ? 'complete' : check.verdict === 'no' ? 'not complete' : 'unclear reply';
  const effect = check.continued ? 'the run went on' : check.verdict === 'no' ? 'limit reached, done accepted' : 'done accepted';
  return (
    <p className={check.continued ? 'warn' : 'muted'} data-testid="verification" data-verdict={check.verdict}>
      Done check{check.model ? ` by ${check.model}` : ''}: {verdict}
      {check.reason ? ` (${check.reason})` : ''} · {effect} · {check.tokens.prompt + check.tokens.completion} tokens, {formatMs(check.ms)}
    </p>
  );
}

/** Zoom-in clicks: where the model pointed, the crop it looked at again, where the click went (screen pixels). */
function ZoomedClicks({ actions }: { actions: StepP['actions'] }) {
  const round = (p: { x: number; y: number }) => `(${Math.round(p.x)}, ${Math.round(p.y)})`;
  return actions.map((a, i) =>
    a.zoom ? (
      <p key={i} className="muted" data-testid="zoom">
        Zoomed click: the model pointed at {round(a.zoom.first)}; a second look at the {Math.round(a.zoom.crop.width)}×{Math.round(a.zoom.crop.height)} crop at {round(a.zoom.crop)} gave {describeAction(a.screen)}
      </p>
    ) : null,
  );
}

export function StepDetail({ step }: { step: StepP }) {
  const { captureWidth, captureHeight, modelWidth, modelHeight, display } = step.observation;
  return (
    <div className="step-detail" data-testid="step-detail" data-step={step.step}>
      <ActionOverlay src={step.screenshotUrl} width={captureWidth} height={captureHeight} actions={step.actions.map((a) => a.capture)} candidates={candidateMarks(step.samples)} alt={`step ${step.step}`} />
      <div className="step-text">
        <h3>Step {step.step}</h3>
        <p className="muted">
          display {display.id} {display.width}×{display.height} @{display.scaleFactor}x · capture {captureWidth}×{captureHeight} · model {modelWidth}×{modelHeight}
        </p>
        <ModelFigures figures={step.model} />
        {step.thought ? <p data-testid="thought">{step.thought}</p> : null}
        {step.parseError ? <p className="error">Parse error: {step.parseError}</p> : null}
        {step.samples ? <Samples samples={step.samples} /> : null}
        {step.rethink ? <Rethink look={step.rethink} /> : null}
        {step.verification ? <Verification check={step.verification} /> : null}
        <ZoomedClicks actions={step.actions} />
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
                <td>{describeAction(a.model)}</td>
                <td>{describeAction(a.capture)}</td>
                <td>{describeAction(a.screen)}</td>
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
          <b>{s.step}</b> {s.summary ?? (s.actions[0] ? describeAction(s.actions[0].screen) : s.parseError ? 'parse error' : '—')}
          <span className="muted"> {formatMs(s.timings.stepMs)} (model {formatMs(s.timings.modelMs)})</span>
        </button>
      )}
    />
  );
}
