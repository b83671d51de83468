/**
 * Exports one run as a single offline HTML file: every screenshot inlined as a data: URI and its
 * actions drawn over it as inline SVG, no scripts, no network. Opens anywhere, years later.
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { ScreenAction } from '../protocol/actions.ts';
import { describeAction } from '../protocol/describe.ts';
import type { RunInfo, StepRecord } from '../trace/types.ts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** SVG marks for one action in capture pixels: a ring for clicks, a line for drags, an arrow for scrolls. */
export function actionSvg(action: ScreenAction, width: number): string {
  const r = Math.max(6, Math.round(width / 100));
  const stroke = `stroke="#e5243b" stroke-width="${Math.max(2, r / 3)}" fill="none"`;
  switch (action.kind) {
    case 'click':
    case 'mouse_down':
    case 'mouse_up':
      return action.at ? `<circle cx="${action.at.x}" cy="${action.at.y}" r="${r}" ${stroke}/><circle cx="${action.at.x}" cy="${action.at.y}" r="2" fill="#e5243b"/>` : '';
    case 'move':
      return `<circle cx="${action.to.x}" cy="${action.to.y}" r="${r}" ${stroke} stroke-dasharray="4 3"/>`;
    case 'drag': {
      const to = `<circle cx="${action.to.x}" cy="${action.to.y}" r="${r}" ${stroke}/>`;
      return action.from ? `<line x1="${action.from.x}" y1="${action.from.y}" x2="${action.to.x}" y2="${action.to.y}" ${stroke}/>${to}` : to;
    }
    case 'scroll': {
      if (!action.at) return '';
      const len = r * 4;
      const x2 = action.at.x + Math.sign(action.dx) * len;
      const y2 = action.at.y + Math.sign(action.dy) * len;
      return `<line x1="${action.at.x}" y1="${action.at.y}" x2="${x2}" y2="${y2}" ${stroke}/><circle cx="${x2}" cy="${y2}" r="${r / 2}" fill="#e5243b"/>`;
    }
    case 'type':
    case 'press':
    case 'hotkey':
    case 'key_down':
    case 'key_up':
    case 'wait':
    case 'done':
    case 'fail':
    case 'call_user':
      return '';
  }
}

async function dataUri(file: string): Promise<string> {
  const mime = extname(file).toLowerCase() === '.jpg' ? 'image/jpeg' : 'image/png';
  try {
    return `data:${mime};base64,${(await readFile(file)).toString('base64')}`;
  } catch {
    return '';
  }
}

async function stepHtml(dir: string, s: StepRecord): Promise<string> {
  const { captureWidth: w, captureHeight: h } = s.observation;
  const marks = s.actions.map((a) => actionSvg(a.capture, w)).join('');
  const img = await dataUri(join(dir, s.screenshot));
  const actions = s.actions
    .map((a) => `<tr><td>${escapeHtml(describeAction(a.model))}</td><td>${escapeHtml(describeAction(a.capture))}</td><td>${escapeHtml(describeAction(a.screen))}</td></tr>`)
    .join('');
  return `<section><h2>Step ${s.step}</h2>
<svg viewBox="0 0 ${w} ${h}" width="100%"><image href="${img}" width="${w}" height="${h}"/>${marks}</svg>
${s.thought ? `<p><b>Thought:</b> ${escapeHtml(s.thought)}</p>` : ''}
${s.parseError ? `<p class="err"><b>Parse error:</b> ${escapeHtml(s.parseError)}</p>` : ''}
<table><tr><th>model</th><th>capture</th><th>screen</th></tr>${actions}</table>
<details><summary>Raw model output</summary><pre>${escapeHtml(s.raw)}</pre></details>
<p class="t">step ${Math.round(s.timings.stepMs)} ms, model ${Math.round(s.timings.modelMs)} ms</p></section>`;
}

export async function renderReport(dir: string, run: RunInfo, steps: StepRecord[]): Promise<string> {
  const parts = await Promise.all(steps.map((s) => stepHtml(dir, s)));
  return `<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>DeskPilot run ${escapeHtml(run.id)}</title>
<style>body{font:14px system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}svg{border:1px solid #ccc}
table{border-collapse:collapse;font:12px monospace}td,th{border:1px solid #ddd;padding:3px}.err{color:#b00}.t{color:#666}</style></head>
<body><h1>${escapeHtml(run.instruction)}</h1>
<p>Model <code>${escapeHtml(run.model)}</code> &middot; status <b>${escapeHtml(run.status)}</b> &middot; ${run.steps} steps &middot; started ${escapeHtml(run.startedAt)}</p>
${run.message ? `<p>${escapeHtml(run.message)}</p>` : ''}
${parts.join('\n')}
</body></html>`;
}
