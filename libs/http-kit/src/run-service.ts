import type { Server } from 'node:http';
import type { Express } from 'express';
import { createLogger, type Logger } from './logger';
import { answerClientErrorsWithProblems } from './service-app';

/** What `start` gets from `runService`. */
export interface ServiceRuntime {
  logger: Logger;
  /**
   * Registers a shutdown step (stop a relay, close a transport, disconnect a client). Steps run
   * after the HTTP server stopped, last registered first, also when the start fails half-way.
   */
  onShutdown(step: () => unknown): void;
}

export interface RunServiceOptions<C> {
  /** Process name in every log line. */
  name: string;
  /** Reads and validates the configuration, e.g. `() => loadConfig(env)`; errors end the process. */
  config: () => C;
  /**
   * Wires the service and returns the app to serve, or the app and its admin app (served on
   * ADMIN_PORT when that is set).
   */
  start: (config: C, runtime: ServiceRuntime) => Promise<Express | { app: Express; admin?: Express }>;
  /** Longest graceful shutdown before the process exits anyway. Default 10 000 ms. */
  shutdownTimeoutMs?: number;
}

/**
 * The configuration `runService` reads itself. `HOST` unset listens on loopback only (containers
 * set `HOST=0.0.0.0`); the admin app listens only when `ADMIN_PORT` is set, on `ADMIN_HOST`
 * (loopback unless set).
 */
export interface ServiceProcessConfig {
  PORT: number;
  HOST?: string;
  ADMIN_PORT?: number;
  ADMIN_HOST?: string;
  LOG_LEVEL?: string;
}

export const DEFAULT_HOST = '127.0.0.1';

const listen = (app: Express, port: number, host: string) =>
  new Promise<Server>((resolve, reject) => {
    // Express 5 hands listen errors (EADDRINUSE) to the callback.
    const listening = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(listening)));
    answerClientErrorsWithProblems(listening);
  });

const addressOf = (server: Server) => {
  const address = server.address();
  return typeof address === 'object' && address ? { host: address.address, port: address.port } : { address };
};

/**
 * The process around one service of the distributed layout: configuration, wiring, listening, and
 * a graceful shutdown on SIGTERM/SIGINT (stop accepting requests, let running ones finish, run the
 * shutdown steps, exit). A start that fails runs the steps registered so far and exits with 1.
 */
export const runService = async <C extends ServiceProcessConfig>(
  options: RunServiceOptions<C>,
): Promise<void> => {
  let config: C;
  try {
    config = options.config();
  } catch (error) {
    process.stderr.write(
      `${options.name} failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
  const logger = createLogger(options.name, config.LOG_LEVEL);
  const steps: (() => unknown)[] = [];
  const servers: Server[] = [];

  const shutdown = async () => {
    await Promise.all(
      servers.splice(0).map((listening) => {
        const closing = new Promise<void>((resolve) => listening.close(() => resolve()));
        listening.closeIdleConnections();
        return closing;
      }),
    );
    for (const step of steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        logger.error({ err: error }, 'shutdown step failed');
      }
    }
  };

  let stopping = false;
  const stop = (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    setTimeout(() => {
      logger.error('graceful shutdown timed out');
      process.exit(1);
    }, options.shutdownTimeoutMs ?? 10_000).unref();
    void shutdown().finally(() => {
      logger.info('stopped');
      process.exit(code);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM', 0));
  process.on('SIGINT', () => stop('SIGINT', 0));

  try {
    const started = await options.start(config, { logger, onShutdown: (step) => void steps.push(step) });
    if (stopping) return;
    const { app, admin } = 'listen' in started ? { app: started, admin: undefined } : started;
    const server = await listen(app, config.PORT, config.HOST ?? DEFAULT_HOST);
    servers.push(server);
    server.keepAliveTimeout = 65_000;
    logger.info(addressOf(server), `${options.name} listening`);
    if (admin && config.ADMIN_PORT !== undefined) {
      const adminServer = await listen(admin, config.ADMIN_PORT, config.ADMIN_HOST ?? DEFAULT_HOST);
      servers.push(adminServer);
      logger.info(addressOf(adminServer), `${options.name} admin listening`);
    } else if (admin) {
      logger.info('ADMIN_PORT is not set: no admin listener (metrics, detailed readiness, admin routes)');
    }
  } catch (error) {
    logger.fatal({ err: error }, `${options.name} failed to start`);
    stop('start failed', 1);
  }
};
