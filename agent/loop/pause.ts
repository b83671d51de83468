/** A pause switch the loop checks between steps; pause() takes effect once the current step is recorded. */
export class PauseControl {
  private pausedNow = false;
  private waiters: (() => void)[] = [];

  get paused(): boolean {
    return this.pausedNow;
  }

  pause(): void {
    this.pausedNow = true;
  }

  resume(): void {
    this.pausedNow = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves when resumed (or at once if not paused); rejects nothing: an abort also wakes it. */
  waitUntilResumed(signal?: AbortSignal): Promise<void> {
    if (!this.pausedNow || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        signal?.removeEventListener('abort', wake);
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve();
      };
      this.waiters.push(wake);
      signal?.addEventListener('abort', wake, { once: true });
    });
  }
}
