/**
 * Bad input everywhere: mutated traces and task files are either read or refused with a message naming
 * the file, never a crash (a TypeError, a stack). Starts from real, valid inputs and breaks them the
 * ways disks, editors and half-written runs do.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrace, TraceFormatError } from '../../agent/trace/reader.ts';
import { loadTaskFile } from '../../agent/tasks/load.ts';
import { TraceWriter } from '../../agent/trace/writer.ts';
import { patternImage, stepRecord } from '../trace/fixtures/records.ts';

/** Ways a text file goes bad: a cut, an inserted or replaced run of characters, a JSON value swapped. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ unit: 'binary', maxLength: 12 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), length: fc.nat({ max: 20 }), text: fc.string({ maxLength: 6 }) }),
  fc.record({ kind: fc.constant('value' as const), at: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) }),
);

type Mutation = { kind: 'cut' | 'insert' | 'replace' | 'value'; at: number; text?: string; length?: number; value?: unknown };

function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % text.length;
  switch (m.kind) {
    case 'cut':
      return text.slice(0, at);
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'replace':
      return text.slice(0, at) + m.text + text.slice(at + (m.length ?? 0));
    default: {
      // Swap the JSON value after the n-th colon for another value of any type.
      const colons = [...text.matchAll(/":\s*/g)].map((x) => x.index! + x[0].length);
      if (colons.length === 0) return text;
      const start = colons[m.at % colons.length];
      const end = text.slice(start).search(/[,}\]]/);
      return text.slice(0, start) + JSON.stringify(m.value) + (end < 0 ? '' : text.slice(start + end));
    }
  }
}

async function validTrace(): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'fuzz-trace-')), 'run');
  const trace = await TraceWriter.create(dir, { instruction: 'fuzz', model: 'script:x.json', family: 'kimi', settings: { maxSteps: 5 } });
  for (const step of [1, 2]) {
    const screenshot = await trace.writeScreenshot(step, patternImage(64, 40, step));
    await trace.writeStep(stepRecord(step, screenshot));
  }
  await trace.setStatus('success', 'done');
  await trace.close();
  return dir;
}

describe('property: corrupt traces are read or refused with the file named', () => {
  it('never crashes the reader', async () => {
    const source = await validTrace();
    expect((await readTrace(source)).steps).toHaveLength(2);
    const files = ['run.json', 'steps.jsonl', 'traj.jsonl'];
    const root = mkdtempSync(join(tmpdir(), 'fuzz-traces-'));
    let cases = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...files), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (file, mutations) => {
        const dir = join(root, String(cases++));
        cpSync(source, dir, { recursive: true });
        const path = join(dir, file);
        writeFileSync(path, mutations.reduce((text, m) => mutate(text, m), readFileSync(path, 'utf8')));
        try {
          const trace = await readTrace(dir);
          expect(Array.isArray(trace.steps)).toBe(true);
        } catch (error) {
          refused++;
          expect(error).toBeInstanceOf(TraceFormatError);
          expect((error as Error).message).toContain(file);
        }
        // The UI server's tolerant read refuses only a broken run.json; broken lines end a list.
        if (file === 'run.json') return;
        const tolerant = await readTrace(dir, { tolerant: true });
        expect(tolerant.steps.map((s) => s.step)).toEqual(tolerant.steps.map((_, i) => i + 1));
      }),
      { numRuns: 400 },
    );
    console.log(`trace fuzz: ${cases} corrupted traces, ${refused} refused with a located message, the rest read`);
    expect(refused).toBeGreaterThan(0);
  }, 120_000);
});

describe('property: corrupt task files are reported with their path, never thrown', () => {
  it('never crashes the loader', () => {
    const examples = join('tasks', 'examples', 'os');
    const sources = readdirSync(examples).map((f) => readFileSync(join(examples, f), 'utf8'));
    const root = mkdtempSync(join(tmpdir(), 'fuzz-tasks-'));
    let cases = 0;
    let invalid = 0;
    fc.assert(
      fc.property(fc.nat(sources.length - 1), fc.array(mutation, { minLength: 1, maxLength: 3 }), (index, mutations) => {
        const path = join(root, `t${cases++}.json`);
        writeFileSync(path, mutations.reduce((text, m) => mutate(text, m), sources[index]));
        const result = loadTaskFile(path, 'os');
        if ('message' in result) {
          invalid++;
          expect(result.path).toBe(path);
          expect(result.message).toContain(path);
        } else {
          expect(typeof result.task.id).toBe('string');
        }
      }),
      { numRuns: 1500 },
    );
    console.log(`task file fuzz: ${cases} corrupted task files, ${invalid} reported invalid with their path, the rest loaded`);
    expect(invalid).toBeGreaterThan(0);
  });
});
