/** Options shared by the reply parsers. */
export interface ParseOptions {
  /** How UI-TARS coordinates are meant: 'thousand' (UI-TARS 1.0, 0..1000) or 'image' (1.5, resized-image pixels). */
  uitarsUnit?: 'thousand' | 'image';
  /**
   * What pixel coordinates in plain pyautogui / computer_13 replies mean: 'screen' (OSWorld: logical
   * pixels of the display, default) or 'image' (pixels of the resized image the model was shown).
   */
  pixelUnit?: 'screen' | 'image';
  /** Seconds for a bare wait (computer.wait(), WAIT, wait()). */
  waitSeconds?: number;
  /** Wheel clicks for one UI-TARS scroll(direction=...). */
  scrollClicks?: number;
  /** What the model wrote in its thinking block, split off before parsing (models/thinking.ts); Kimi's thought. */
  thinking?: string;
}

export type ResolvedParseOptions = Required<ParseOptions>;

export function resolveParseOptions(options: ParseOptions = {}): ResolvedParseOptions {
  return {
    uitarsUnit: options.uitarsUnit ?? 'thousand',
    pixelUnit: options.pixelUnit ?? 'screen',
    waitSeconds: options.waitSeconds ?? 3,
    scrollClicks: options.scrollClicks ?? 5,
    thinking: options.thinking ?? '',
  };
}
