import { ConfigError, commonEnv, loadConfig, storageSettings } from './index';

describe('storage settings (README "Configuration")', () => {
  it('default to a sweep every minute, 500 keys a query, and a 7-day outbox retention', () => {
    expect(storageSettings(loadConfig(commonEnv, {}))).toEqual({
      sessionSweep: { intervalMs: 60_000, batchSize: 500 },
      outboxRetentionMs: 7 * 86_400_000,
    });
  });

  it('take ISO-8601 durations and a batch size from the environment', () => {
    const env = {
      SESSION_SWEEP_INTERVAL: 'PT30S',
      SESSION_SWEEP_BATCH_SIZE: '50',
      OUTBOX_RETENTION: 'PT36H',
    };
    expect(storageSettings(loadConfig(commonEnv, env))).toEqual({
      sessionSweep: { intervalMs: 30_000, batchSize: 50 },
      outboxRetentionMs: 36 * 3_600_000,
    });
  });

  it('name every bad variable: not a duration, calendar units, out of bounds, a batch of 0', () => {
    const env = { SESSION_SWEEP_INTERVAL: 'P1M', SESSION_SWEEP_BATCH_SIZE: '0', OUTBOX_RETENTION: 'soon' };
    expect(() => loadConfig(commonEnv, env)).toThrow(ConfigError);
    try {
      loadConfig(commonEnv, env);
    } catch (error) {
      expect((error as ConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual([
        'OUTBOX_RETENTION',
        'SESSION_SWEEP_BATCH_SIZE',
        'SESSION_SWEEP_INTERVAL',
      ]);
    }
    expect(() => loadConfig(commonEnv, { SESSION_SWEEP_INTERVAL: 'PT2H' })).toThrow(/SESSION_SWEEP_INTERVAL/);
    expect(() => loadConfig(commonEnv, { OUTBOX_RETENTION: 'PT10S' })).toThrow(/OUTBOX_RETENTION/);
  });
});
