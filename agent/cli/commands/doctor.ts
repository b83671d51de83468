/** deskpilot doctor [--display :N] [--model SPEC] [--no-desktop]: checks what the agent needs and says what to fix. */
import { checkDesktop } from '../../doctor/desktop.ts';
import { checkModel } from '../../doctor/model.ts';
import { checkProviders } from '../../doctor/providers.ts';
import { formatResults, guard, type CheckResult } from '../../doctor/report.ts';
import { parseExecutionProvider } from '../../../models/kimi/runtime/providers.ts';
import { parseCommandLine } from '../usage.ts';

const USAGE = 'usage: deskpilot doctor [--display :N] [--model SPEC] [--provider auto|cpu|cuda|dml|coreml|webgpu] [--no-desktop] [--json]';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(
    { args: argv, options: { display: { type: 'string' }, model: { type: 'string' }, provider: { type: 'string' }, 'no-desktop': { type: 'boolean' }, json: { type: 'boolean' } } },
    USAGE,
  );
  const results: CheckResult[] = [];
  if (!values['no-desktop']) results.push(...(await guard('desktop', () => checkDesktop(values.display ?? process.env.DISPLAY))));
  results.push(...(await guard('onnxruntime', async () => checkProviders())));
  if (values.model) results.push(...(await guard('model', () => checkModel(values.model!, parseExecutionProvider(values.provider ?? 'auto')))));
  process.stdout.write((values.json ? JSON.stringify(results, null, 2) : formatResults(results)) + '\n');
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}
