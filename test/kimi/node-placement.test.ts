/**
 * Node placement as doctor reports it: read from onnxruntime's own verbose session log, for a real
 * graph opened on the CPU provider, and for a log where a GPU provider left nodes on the CPU (no
 * GPU here: that log's lines are in the form onnxruntime writes them).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../models/onnx/builder.ts';
import { nodePlacement, parsePlacementLog } from '../../models/kimi/runtime/node-placement.ts';

const root = mkdtempSync(join(tmpdir(), 'node-placement-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('node placement', () => {
  it('counts the nodes of a real graph on the CPU provider', () => {
    const b = new GraphBuilder('placement');
    const x = b.input('x', 'float32', [2, 3]);
    const y = b.op('Relu', [b.op('MatMul', [x, b.initializer('w', 'float32', [3, 3], new Float32Array(9).fill(1))])]);
    b.output(b.op('Sin', [y]), 'float32', [2, 3], 'y');
    const file = join(root, 'g.onnx');
    writeFileSync(file, b.save());
    expect(nodePlacement(file, 'cpu')).toEqual([{ provider: 'CPUExecutionProvider', nodes: 3, opTypes: {} }]);
  });

  it('names the op types a GPU provider left on the CPU, summed over subgraphs', () => {
    const v = (text: string) => `2026-12-06 02:18:55.768 [V:onnxruntime:, session_state.cc:1380 VerifyEachNodeIsAssignedToAnEp]${text}`;
    const log = [
      v(' Node placements'),
      v('  Node(s) placed on [WebGpuExecutionProvider]. Number of nodes: 40'),
      v('   MatMul (MatMul_1)'),
      v('  Node(s) placed on [CPUExecutionProvider]. Number of nodes: 3'),
      v('   If (If_64)'),
      v('   NonZero (NonZero_2)'),
      v('   If (If_65)'),
      '2026-12-06 02:18:55.770 [I:onnxruntime:, inference_session.cc:2000 Initialize] Session successfully initialized.',
      v('  All nodes placed on [WebGpuExecutionProvider]. Number of nodes: 7'),
    ].join('\n');
    expect(parsePlacementLog(log)).toEqual([
      { provider: 'WebGpuExecutionProvider', nodes: 47, opTypes: { MatMul: 1 } },
      { provider: 'CPUExecutionProvider', nodes: 3, opTypes: { If: 2, NonZero: 1 } },
    ]);
  });

  it('says which file failed to open', () => {
    expect(() => nodePlacement(join(root, 'missing.onnx'), 'cpu')).toThrow(/cannot open .*missing\.onnx on cpu/);
  });
});
