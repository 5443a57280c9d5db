/**
 * A background job run every `intervalMs` (±10 %, so instances started together drift apart), one
 * run at a time: the next waits for the previous one. Errors are reported and the job carries on.
 * What the storage bounds run (session sweeper, outbox retention).
 */
export class PeriodicJob<T> {
  private timer?: NodeJS.Timeout;
  private running: Promise<unknown> = Promise.resolve();
  private started = false;

  constructor(
    private readonly options: {
      intervalMs: number;
      run: () => Promise<T>;
      onError: (error: unknown) => void;
    },
  ) {}

  start(): this {
    if (!this.started) {
      this.started = true;
      this.schedule();
    }
    return this;
  }

  /** Runs the job now (after a run in progress); its errors are the caller's. */
  runOnce(): Promise<T> {
    const run = this.running.then(() => this.options.run());
    this.running = run.catch(() => undefined);
    return run;
  }

  /** No further runs; resolves once a run in progress has finished. */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    const delay = this.options.intervalMs * (0.9 + Math.random() * 0.2);
    this.timer = setTimeout(() => {
      void this.runOnce()
        .catch((error) => this.options.onError(error))
        .finally(() => {
          if (this.started) this.schedule();
        });
    }, delay);
    // A background job never keeps the process alive on its own.
    this.timer.unref();
  }
}
