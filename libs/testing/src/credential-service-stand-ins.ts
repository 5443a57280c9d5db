import {
  emptySummaryInfo,
  operations,
  RouteTable,
  type ServiceName,
  type Store,
  type UserRecord,
} from '@identity-store/contracts';
import { attachInProcessGrant } from '@identity-store/http-kit';
import type { IdentityQueries, SummaryQueries } from '@identity-store/service-clients';
import express, { type Express, type RequestHandler } from 'express';

/**
 * Stand-ins for what a credential service gets from outside, so its handlers run in a unit spec on
 * the in-memory event store: the gateway's in-process grant, the identity service's store and user
 * look-ups, the audit service's summaries.
 */

const routes = new RouteTable(operations);

/**
 * The service app as the embedded gateway calls it: each request that matches an operation of
 * `service` in the shared table carries the in-process grant for that operation (every store), as
 * if an API key holding every permission had sent it. Other requests go in without a grant (the
 * service answers them 401 GRANT_MISSING).
 */
export const grantedByGateway = (service: ServiceName, app: RequestHandler): Express => {
  const outer = express();
  outer.use((req, res, next) => {
    const match = routes.match(req.method, req.path);
    if (match && match.operation.service === service)
      attachInProcessGrant(req, {
        aud: service,
        op: match.operation.operationId,
        perm: match.operation.permission,
        stores: null,
        sub: 'test-api-key',
      });
    app(req, res, next);
  });
  return outer;
};

const AT = '2026-11-30T10:00:00.000Z';

/** A store with no policies or configurations but those given. */
export const testStore = (over: Partial<Store> = {}): Store => ({
  id: 'store-1',
  name: 'acme',
  attributeSchema: null,
  passkeyConfigs: {},
  appkeyConfigs: {},
  totpPolicies: {},
  passcodePolicies: {},
  pushNotificationPolicies: {},
  biometricPolicy: null,
  createdDtm: AT,
  lastUpdatedDtm: AT,
  ...over,
});

/** An ACTIVE user of `store`. */
export const testUser = (store: Store, over: Partial<UserRecord> = {}): UserRecord => ({
  id: 'user-1',
  storeId: store.id,
  extId: 'alice',
  status: 'ACTIVE',
  attributes: {},
  createdDtm: AT,
  lastUpdatedDtm: AT,
  ...over,
});

/**
 * The identity service's look-ups over fixed stores and users: a user is found by internal or
 * external id within its own store only (as the identity service answers). Copies are answered, so
 * a service cannot change the fixtures.
 */
export const fixedIdentityQueries = (stores: Store[], users: UserRecord[]): IdentityQueries => ({
  getStoreByName: async (name) => copy(stores.find((store) => store.name === name) ?? null),
  getUser: async (storeId, ref) =>
    copy(
      users.find(
        (user) => user.storeId === storeId && ('extId' in ref ? user.extId === ref.extId : user.id === ref.userId),
      ) ?? null,
    ),
});

/**
 * The audit service's summaries before it projected anything: an empty summary for every user, at
 * version 0 of every stream (so a write's answer folds the whole stream of the user), and every
 * Consistency-Token already satisfied. The projection is not under test here (libs/projections and
 * the audit specs test it), the handlers' answers are.
 */
export const emptySummaries: SummaryQueries = {
  getSummary: async () => emptySummaryInfo(),
  getProjectedSummary: async () => ({ summaryInfo: emptySummaryInfo(), streamVersion: 0 }),
  awaitApplied: async () => true,
};

const copy = <T>(value: T): T => (value === null ? value : structuredClone(value));
