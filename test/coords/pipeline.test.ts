/**
 * The agent-core path of one step without a model: a reply as Kimi writes it -> actions in model
 * units -> the exact pixels executed on a HiDPI secondary display; and the same parts plugged
 * into the loop's LoopParts contract.
 */
import { describe, expect, it } from 'vitest';
import { parseReply } from '../../agent/actions/parse.ts';
import { CoordinateMapper } from '../../agent/coords/mapper.ts';
import type { DisplayInfo } from '../../agent/env/types.ts';
import { defaultParts } from '../../agent/loop/default-parts.ts';
import type { LoopParts } from '../../agent/loop/parts.ts';
import { createRgbImage } from '../../models/image.ts';

const retina: DisplayInfo = { id: '1', x: 1920, y: 0, width: 2560, height: 1440, scaleFactor: 2, primary: false };

describe('reply -> actions -> screen pixels', () => {
  it('a Kimi click at (0.25, 0.5) lands at the same spot of a 2x display at x=1920, whatever the model image size', () => {
    const r = parseReply('kimi', '## Action:\nClick the Save button\n## Code:\n```python\npyautogui.click(x=0.25, y=0.5)\n```');
    // Kimi sees 5120x2880 resized to 1196x672 (padded to 1204x672): the padding must not shift the click.
    const m = new CoordinateMapper({ display: retina, capture: { width: 5120, height: 2880 }, model: { width: 1204, height: 672 } });
    const mapped = m.mapAction(r.actions[0]);
    expect(mapped.screen).toEqual({ kind: 'click', at: { x: 1920 + 640, y: 720 }, button: 'left', clicks: 1 });
    expect(mapped.capture).toEqual({ kind: 'click', at: { x: 1280, y: 1440 }, button: 'left', clicks: 1 });
  });

  it('UI-TARS 1.5 pixels of the resized image and 1.0 thousandths reach the same screen pixel', () => {
    const m = new CoordinateMapper({ display: retina, capture: { width: 5120, height: 2880 }, model: { width: 1280, height: 720 } });
    const image = parseReply('uitars', "Action: click(start_box='(320,360)')", { uitarsUnit: 'image' }).actions[0];
    const thousand = parseReply('uitars', "Action: click(start_box='(250,500)')").actions[0];
    expect(m.mapAction(image).screen).toEqual(m.mapAction(thousand).screen);
    expect(m.mapAction(image).screen).toMatchObject({ at: { x: 2560, y: 720 } });
  });

  it('the real parts satisfy the loop contract (agent/loop/parts.ts LoopParts)', () => {
    const parts: LoopParts = defaultParts;
    // The parser reads the answer; a Kimi thought is the thinking split off before it.
    const kimi = parts.parse('kimi', { thinking: ' The Save button. ', answer: '## Code:\n```python\npyautogui.click(x=0.25, y=0.5)\n```' }, 'relative');
    expect(kimi).toMatchObject({ thought: 'The Save button.', actions: [{ kind: 'click', at: { x: 0.25, y: 0.5, unit: 'relative' } }] });
    // A backend that says its coordinates are image pixels makes UI-TARS boxes image pixels.
    expect(parts.parse('uitars', { thinking: '', answer: "Action: click(start_box='(320,360)')" }, 'image').actions[0]).toMatchObject({ at: { unit: 'image' } });
    const request = parts.buildRequest({ family: 'kimi', instruction: 'Save the file.', image: createRgbImage(4, 4), history: [] });
    expect(request.messages.at(-1)?.role).toBe('user');
    const mapper = parts.mapper({ display: retina, captureWidth: 5120, captureHeight: 2880, modelWidth: 1204, modelHeight: 672 });
    const mapped = mapper.mapAction({ kind: 'move', to: { x: 1, y: 1, unit: 'relative' } });
    expect(mapped).toEqual({ capture: { kind: 'move', to: { x: 5119, y: 2879 } }, screen: { kind: 'move', to: { x: 1920 + 2559, y: 1439 } }, warnings: [] });
  });
});
