import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceName } from '@identity-store/contracts';
import {
  createLogger,
  createServiceApp,
  type Express,
  type GrantedOperation,
  grantOf,
  Router,
  type ServiceTrust,
} from '@identity-store/http-kit';

/**
 * Helpers of the gateway's integration specs: fake services that echo what reached them.
 * (Databases come from @identity-store/testing.)
 */

/** What an echo service answers: everything it received. */
export interface Echo {
  service: string;
  method: string;
  url: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  /** The grant the request was accepted on (the stub checks grants like a real service). */
  grant: Omit<GrantedOperation, 'operation'> | null;
}

/**
 * A service app (the kit's, like the real ones: it accepts only requests the gateway granted to
 * `service`) answering every request with an {@link Echo}.
 */
export const echoService = (
  service: ServiceName,
  options: { operationalEndpoints?: boolean; trust?: ServiceTrust } = {},
): Express => {
  const router = Router();
  router.use((req, res) => {
    const echo: Echo = {
      service,
      method: req.method,
      url: req.originalUrl,
      body: req.body ?? null,
      headers: req.headers,
      grant: null,
    };
    const granted = grantOf(req);
    if (granted) {
      const { operation: _operation, ...grant } = granted;
      echo.grant = grant;
    }
    res.status(200).json(echo);
  });
  return createServiceApp({
    name: `echo-${service}`,
    logger: createLogger(`echo-${service}`, 'silent'),
    routers: [router],
    operationalEndpoints: options.operationalEndpoints ?? false,
    trust: { service, ...options.trust },
  });
};

export const listen = async (app: Express): Promise<{ url: string; close(): Promise<void> }> => {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
