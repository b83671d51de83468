import { useEffect, useState, type FormEvent } from 'react';
import { DEFAULT_RETHINK_TOKENS, DEFAULT_VERIFY_LIMIT, type RunP, type SettingsP, type StartRunP } from '../../../agent/protocol/messages.ts';
import { go, useClient, useEvents } from '../client-context.ts';
import { DisplayField, ExecutionProviderField } from '../host-fields.tsx';
import { RunControls, StatusBadge } from '../run-controls.tsx';

/** Start a run: instruction, model (local packages or a typed spec), options. */
export function RunScreen() {
  const client = useClient();
  const [settings, setSettings] = useState<SettingsP>();
  const [instruction, setInstruction] = useState('');
  const [model, setModel] = useState('');
  const [maxSteps, setMaxSteps] = useState(15);
  const [thinking, setThinking] = useState(false);
  const [display, setDisplay] = useState('');
  const [provider, setProvider] = useState('');
  const [historyImages, setHistoryImages] = useState('');
  const [historyScale, setHistoryScale] = useState(1);
  const [historyMode, setHistoryMode] = useState<'sliding' | 'stable'>('sliding');
  const [verifyDone, setVerifyDone] = useState(false);
  const [rethink, setRethink] = useState(false);
  const [samples, setSamples] = useState(1);
  const [select, setSelect] = useState<'vote' | 'judge'>('vote');
  const [zoomClicks, setZoomClicks] = useState(false);
  const [error, setError] = useState<string>();
  const [live, setLive] = useState<RunP[]>([]);

  useEffect(() => {
    void client.request({ type: 'settings.get' }).then(setSettings, (e: Error) => setError(e.message));
    void client.request({ type: 'runs.list' }).then((r) => setLive(r.runs.filter((run) => run.live)));
  }, [client]);
  useEvents((event) => {
    if (event.type !== 'run.status') return;
    setLive((runs) => [event.run, ...runs.filter((r) => r.id !== event.run.id)].filter((r) => r.live));
  }, []);

  const start = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      const history: StartRunP['history'] = { scale: historyScale, mode: historyMode, ...(historyImages.trim() ? { images: Number(historyImages) } : {}) };
      const reasoning: StartRunP['reasoning'] =
        verifyDone || rethink || samples > 1 || zoomClicks
          ? {
              ...(verifyDone ? { verifyDone: { limit: DEFAULT_VERIFY_LIMIT } } : {}),
              ...(rethink ? { rethink: { maxTokens: DEFAULT_RETHINK_TOKENS } } : {}),
              ...(samples > 1 ? { samples: { n: samples, select } } : {}),
              ...(zoomClicks ? { zoomClicks: true } : {}),
            }
          : undefined;
      const { runId } = await client.request({
        type: 'run.start',
        options: { instruction, model, maxSteps, thinking, display: display || undefined, executionProvider: provider || undefined, history, reasoning },
      });
      go('live', runId);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <section className="screen" data-testid="run-screen">
      <h1>New run</h1>
      {settings && !settings.agentAvailable ? <p className="warn">{settings.agentUnavailableReason}</p> : null}
      <form onSubmit={start} className="form">
        <label>
          Instruction
          <textarea value={instruction} onChange={(e) => setInstruction(e.target.value)} rows={3} placeholder="Open the text editor and type hello" data-testid="instruction" />
        </label>
        <label>
          Model
          <input list="model-packages" value={model} onChange={(e) => setModel(e.target.value)} placeholder="kimi-vl:/path/to/package or script:/path/replies.json" data-testid="model" />
          <datalist id="model-packages">
            {settings?.models.map((m) => (
              <option key={m.spec} value={m.spec}>
                {m.name}
              </option>
            ))}
          </datalist>
        </label>
        <div className="row">
          <label>
            Max steps
            <input type="number" min={1} max={1000} value={maxSteps} onChange={(e) => setMaxSteps(Number(e.target.value))} data-testid="max-steps" />
          </label>
          <label className="check">
            <input type="checkbox" checked={thinking} onChange={(e) => setThinking(e.target.checked)} /> Thinking
          </label>
          <label className="check" title="Before accepting done, ask the model whether the screen shows the task complete (costs a model call)">
            <input type="checkbox" checked={verifyDone} onChange={(e) => setVerifyDone(e.target.checked)} data-testid="verify-done" /> Verify before done
          </label>
          <label className="check" title="Thinking models: before acting on a done, a risky or a repeated action, let the model check the screenshot again (costs extra tokens)">
            <input type="checkbox" checked={rethink} onChange={(e) => setRethink(e.target.checked)} data-testid="rethink" /> Rethink before acting
          </label>
          <label className="check" title="Before each click, the model looks again at a full-resolution crop around its point; the click goes where that look points (costs a model call per click)">
            <input type="checkbox" checked={zoomClicks} onChange={(e) => setZoomClicks(e.target.checked)} data-testid="zoom-clicks" /> Zoom in before clicks
          </label>
          <label title="Best of N: more replies per step on the same prompt, one chosen (each costs a model call)">
            Replies per step
            <input type="number" min={1} max={16} value={samples} onChange={(e) => setSamples(Number(e.target.value))} data-testid="samples" />
          </label>
          <label>
            Choose by
            <select value={select} onChange={(e) => setSelect(e.target.value as 'vote' | 'judge')} data-testid="select">
              <option value="vote">majority vote</option>
              <option value="judge">model as judge</option>
            </select>
          </label>
          <ExecutionProviderField value={provider} onChange={setProvider} providers={settings?.executionProviders} testId="provider" />
          <DisplayField value={display} onChange={setDisplay} displays={settings?.displays} listId="displays" testId="display" />
        </div>
        <div className="row" title="Earlier screenshots in the prompt: fewer or smaller ones cost fewer prompt tokens">
          <label>
            History screenshots
            <input type="number" min={0} max={50} value={historyImages} onChange={(e) => setHistoryImages(e.target.value)} placeholder="model's format" data-testid="history-images" />
          </label>
          <label>
            History scale
            <select value={historyScale} onChange={(e) => setHistoryScale(Number(e.target.value))} data-testid="history-scale">
              <option value={1}>full size</option>
              <option value={0.75}>0.75 (about half the tokens)</option>
              <option value={0.5}>0.5 (a quarter of the tokens)</option>
              <option value={0.25}>0.25</option>
            </select>
          </label>
          <label>
            History mode
            <select value={historyMode} onChange={(e) => setHistoryMode(e.target.value as 'sliding' | 'stable')} data-testid="history-mode">
              <option value="sliding">sliding (as the model was trained)</option>
              <option value="stable">stable prefix (reuses the model's cache)</option>
            </select>
          </label>
        </div>
        <button type="submit" disabled={!instruction.trim() || !model.trim()} data-testid="start">
          Start
        </button>
        {error ? <p className="error" data-testid="run-error">{error}</p> : null}
      </form>
      {live.length > 0 ? (
        <>
          <h2>Running now</h2>
          {live.map((run) => (
            <div key={run.id} className="card">
              <a href={`#/live/${run.id}`}>{run.instruction}</a> <StatusBadge status={run.status} /> <RunControls run={run} />
            </div>
          ))}
        </>
      ) : null}
    </section>
  );
}
