/** The live progress line on stderr: done/total, running, pass rate, ETA. */
export class Progress {
  private done = 0;
  private running = 0;
  private passed = 0;
  private readonly started = Date.now();

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  start(): void {
    this.running++;
    this.draw();
  }

  finish(score: number | undefined, label: string): void {
    this.running--;
    this.done++;
    if ((score ?? 0) >= 1) this.passed++;
    if (!this.out.isTTY) this.out.write(`[bench] ${label}: ${score === undefined ? 'no score (0)' : score}\n`);
    this.draw();
  }

  line(): string {
    const elapsed = (Date.now() - this.started) / 1000;
    const rate = this.done === 0 ? '-' : `${((this.passed / this.done) * 100).toFixed(1)}%`;
    const eta = this.done === 0 ? '?' : formatSeconds((elapsed / this.done) * (this.total - this.done));
    return `[bench] ${this.done}/${this.total} done, ${this.running} running, pass ${rate}, elapsed ${formatSeconds(elapsed)}, ETA ${eta}`;
  }

  private draw(): void {
    if (this.out.isTTY) this.out.write(`\r\x1b[K${this.line()}`);
    else if (this.done === this.total) this.out.write(`${this.line()}\n`);
  }

  end(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}

export function formatSeconds(s: number): string {
  const t = Math.round(s);
  return t >= 60 ? `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s` : `${t}s`;
}
