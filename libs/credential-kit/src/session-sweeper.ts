import { PeriodicJob } from '@identity-store/event-store';
import type { Logger } from '@identity-store/http-kit';

/** One family's open ceremony sessions (a credential service's UserCredentialStreams). */
export interface ExpiringSessions {
  /** The family, in logs (its session keys' scope). */
  readonly name: string;
  /**
   * Closes every session that has expired by now with the family's "sessions expired" decision,
   * which releases their keys in the same append; returns how many streams it changed. A stream
   * that cannot be changed is reported and skipped (the next sweep tries it again).
   */
  sweepExpiredSessions(options: {
    batchSize: number;
    onStreamError: (streamId: string, error: unknown) => void;
  }): Promise<number>;
}

export interface SessionSweeperOptions {
  /** How often the sweeper runs. */
  intervalMs: number;
  /** Expired keys read per query. */
  batchSize: number;
}

/**
 * The periodic job closing expired ceremony sessions of every credential family of a process (the
 * families add themselves: see the credential modules' `sessionSweeper`). One sweeper per process;
 * several processes on one database may sweep at once: each append is guarded by optimistic
 * concurrency, and a decision retried after another instance closed the sessions decides nothing.
 */
export class SessionSweeper {
  private readonly families: ExpiringSessions[] = [];
  private readonly job: PeriodicJob<number>;

  constructor(
    private readonly options: SessionSweeperOptions,
    private readonly logger: Pick<Logger, 'error' | 'warn' | 'debug'>,
  ) {
    this.job = new PeriodicJob({
      intervalMs: options.intervalMs,
      run: () => this.sweepAll(),
      onError: (error) => logger.error({ err: error }, 'session sweep failed; retrying'),
    });
  }

  add(family: ExpiringSessions): void {
    this.families.push(family);
  }

  start(): this {
    this.job.start();
    return this;
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  /** Sweeps every family now (after a sweep in progress); returns how many streams it changed. */
  sweep(): Promise<number> {
    return this.job.runOnce();
  }

  private async sweepAll(): Promise<number> {
    let changed = 0;
    for (const family of this.families) {
      const swept = await family.sweepExpiredSessions({
        batchSize: this.options.batchSize,
        onStreamError: (streamId, error) =>
          this.logger.warn({ err: error, streamId, family: family.name }, 'could not close expired sessions'),
      });
      if (swept) this.logger.debug({ family: family.name, streams: swept }, 'expired sessions closed');
      changed += swept;
    }
    return changed;
  }
}
