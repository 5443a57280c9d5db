/**
 * The API gateway, for the embedded default (mount it in one process with in-process service
 * targets) and for tests. `main.ts` is the distributed mode.
 *
 *   await migrateDatabase(databaseUrl);
 *   const gateway = await createGatewayApp({ databaseUrl, targets: { identity: identityApp, totp: 'http://totp:8082' } });
 *   const { key } = await gateway.apiKeys.ensureAdminKey(process.env.ADMIN_API_KEY); // key: only when generated
 *   // (or pass `adminApiKey` to createGatewayApp)
 *   gateway.app.listen(8080);
 *   ...
 *   await gateway.close();
 */
export { createGatewayApp, type GatewayApp, type GatewayAppOptions } from './gateway-app';
export type { EnsureAdminKeyResult } from './api-key-service';
export type { IssueRateLimit } from './api/issue-rate-limit';
export type { ServiceTarget } from './api/forwarding';
export { PRINCIPAL_HEADER } from './api/identity-store-routes';
export { skeletonOpenApiDocument } from './api/docs';
/** The token key the gateway derives from its configuration (JWT_SECRET, else HKDF of SECRETS_KEY). */
export { jwtSecretFrom } from './api/tokens';
// The aggregates' evolvers and snapshot policies (the system's snapshot properties run on them).
export { type ApiKeyEvent, evolveApiKey, initialApiKeyState } from './domain/api-key';
