/**
 * deskpilot doctor [--display :N] [--model SPEC] [--no-desktop] [--grounding [--zoom]]: checks what the agent
 * needs and says what to fix; --grounding asks the model to find labels drawn on a capture of this screen.
 */
import { checkDesktop } from '../../doctor/desktop.ts';
import { checkModel } from '../../doctor/model.ts';
import { checkGrounding, groundingResult } from '../../doctor/grounding.ts';
import { checkProviders } from '../../doctor/providers.ts';
import { formatResults, guard, type CheckResult } from '../../doctor/report.ts';
import { parseExecutionProvider } from '../../../models/kimi/runtime/providers.ts';
import { parseCommandLine, UsageError } from '../usage.ts';

const USAGE = 'usage: deskpilot doctor [--display :N] [--model SPEC] [--provider auto|cpu|cuda|dml|coreml|webgpu] [--no-desktop] [--grounding [--zoom]] [--json]';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(
    { args: argv, options: { display: { type: 'string' }, model: { type: 'string' }, provider: { type: 'string' }, 'no-desktop': { type: 'boolean' }, json: { type: 'boolean' }, grounding: { type: 'boolean' }, zoom: { type: 'boolean' } } },
    USAGE,
  );
  const results: CheckResult[] = [];
  if (!values['no-desktop']) results.push(...(await guard('desktop', () => checkDesktop(values.display ?? process.env.DISPLAY))));
  results.push(...(await guard('onnxruntime', async () => checkProviders())));
  if (values.grounding && !values.model) throw new UsageError(`--grounding needs --model SPEC\n${USAGE}`);
  if (values.model) results.push(...(await guard('model', () => checkModel(values.model!, parseExecutionProvider(values.provider ?? 'auto')))));
  if (values.grounding) {
    const display = values.display ?? process.env.DISPLAY;
    const options = { zoom: values.zoom ?? false, ...(values.provider !== undefined ? { provider: values.provider } : {}) };
    results.push(...(await guard('grounding', async () => groundingResult(await checkGrounding(values.model!, display, options)))));
  }
  process.stdout.write((values.json ? JSON.stringify(results, null, 2) : formatResults(results)) + '\n');
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}
