import { DomainError } from '@identity-store/contracts';
import { DeciderSpecification } from '@identity-store/testing';
import {
  ADMIN_KEY_ID,
  ADMIN_KEY_NAME,
  type ApiKeyEvent,
  apiKeyStreamId,
  evolveApiKey,
  initialApiKeyState,
} from './api-key';
import { apiKeyDecider } from './api-key-decider';
import { toApiKeyResource } from './api-key-views';

const T0 = new Date('2026-05-07T10:00:00.000Z');
const T1 = new Date('2026-05-07T11:00:00.000Z');
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

const given = DeciderSpecification.for(apiKeyDecider);
const at = (now: Date) => ({ metadata: { now } });

const created = (
  over: Partial<Extract<ApiKeyEvent, { type: 'ApiKeyCreated' }>['data']> = {},
): ApiKeyEvent => ({
  type: 'ApiKeyCreated',
  data: {
    id: 'k1',
    name: 'ci',
    permissions: ['IdentityStore:getStore'],
    stores: ['acme'],
    secretHash: HASH_A,
    createdDtm: T0.toISOString(),
    ...over,
  },
});
const revokedAt = (now: Date): ApiKeyEvent => ({
  type: 'ApiKeyRevoked',
  data: { revokedDtm: now.toISOString() },
});

describe('api key decider', () => {
  it('names streams apikey-<id>', () => {
    expect(apiKeyStreamId('k1')).toBe('apikey-k1');
  });

  describe('CreateApiKey', () => {
    it('creates a key, removing duplicate permissions and stores', () => {
      const { state } = given([])
        .when({
          type: 'CreateApiKey',
          ...at(T0),
          id: 'k1',
          name: 'ci',
          permissions: ['IdentityStore:getStore', 'IdentityStore:getStore', 'IdentityStore:createUser'],
          stores: ['acme', 'acme'],
          secretHash: HASH_A,
        })
        .then([
          {
            type: 'ApiKeyCreated',
            data: {
              id: 'k1',
              name: 'ci',
              permissions: ['IdentityStore:getStore', 'IdentityStore:createUser'],
              stores: ['acme'],
              secretHash: HASH_A,
              createdDtm: '2026-05-07T10:00:00.000Z',
            },
          },
        ]);
      expect(state).toEqual({
        status: 'ACTIVE',
        id: 'k1',
        name: 'ci',
        permissions: ['IdentityStore:getStore', 'IdentityStore:createUser'],
        stores: ['acme'],
        secretHash: HASH_A,
        createdDtm: '2026-05-07T10:00:00.000Z',
        lastUpdatedDtm: '2026-05-07T10:00:00.000Z',
        secretRotatedDtm: null,
        secretVersion: 0,
        revokedDtm: null,
      });
    });

    it('keeps null stores (every store)', () => {
      const { events } = given([])
        .when({
          type: 'CreateApiKey',
          ...at(T0),
          id: 'k2',
          name: 'all',
          permissions: ['IdentityStore:*'],
          stores: null,
          secretHash: HASH_A,
        })
        .decided();
      expect(events[0]!.type === 'ApiKeyCreated' && events[0]!.data.stores).toBeNull();
    });

    it('refuses an id that exists', () => {
      given([created()])
        .when({
          type: 'CreateApiKey',
          ...at(T0),
          id: 'k1',
          name: 'x',
          permissions: [],
          stores: null,
          secretHash: HASH_A,
        })
        .thenThrows(DomainError, (error) =>
          expect([error.kind, error.code]).toEqual(['conflict', 'API_KEY_EXISTS']),
        );
    });
  });

  describe('UpdateApiKey', () => {
    it('records only what changed', () => {
      const { state } = given([created()])
        .when({
          type: 'UpdateApiKey',
          ...at(T1),
          name: 'ci',
          permissions: ['IdentityStore:getStore', 'IdentityStore:listUsers'],
          stores: ['acme'],
        })
        .then([
          {
            type: 'ApiKeyUpdated',
            data: {
              permissions: ['IdentityStore:getStore', 'IdentityStore:listUsers'],
              updatedDtm: '2026-05-07T11:00:00.000Z',
            },
          },
        ]);
      expect(state).toMatchObject({
        name: 'ci',
        permissions: ['IdentityStore:getStore', 'IdentityStore:listUsers'],
        stores: ['acme'],
        lastUpdatedDtm: '2026-05-07T11:00:00.000Z',
        secretRotatedDtm: null,
        secretHash: HASH_A,
      });
    });

    it('can lift the store restriction (null) and rename', () => {
      given([created()])
        .when({ type: 'UpdateApiKey', ...at(T1), name: 'renamed', stores: null })
        .then([
          { type: 'ApiKeyUpdated', data: { name: 'renamed', stores: null, updatedDtm: T1.toISOString() } },
        ]);
    });

    it('decides nothing when nothing changes', () => {
      given([created()])
        .when({
          type: 'UpdateApiKey',
          ...at(T1),
          name: 'ci',
          permissions: ['IdentityStore:getStore'],
          stores: ['acme'],
        })
        .thenNothingHappened();
      given([created()])
        .when({ type: 'UpdateApiKey', ...at(T1) })
        .thenNothingHappened();
    });

    it('refuses unknown and revoked keys (404) and the bootstrap key (409)', () => {
      given([])
        .when({ type: 'UpdateApiKey', ...at(T1), name: 'x' })
        .thenThrows(DomainError, (error) => expect(error.code).toBe('API_KEY_NOT_FOUND'));
      given([created(), revokedAt(T1)])
        .when({ type: 'UpdateApiKey', ...at(T1), name: 'x' })
        .thenThrows(DomainError, (error) => expect(error.kind).toBe('not-found'));
      given([created({ id: ADMIN_KEY_ID })])
        .when({ type: 'UpdateApiKey', ...at(T1), name: 'x' })
        .thenThrows(DomainError, (error) =>
          expect([error.kind, error.code]).toEqual(['conflict', 'API_KEY_MANAGED_BY_CONFIGURATION']),
        );
    });
  });

  describe('RevokeApiKey', () => {
    it('revokes an active key once', () => {
      const { state } = given([created()])
        .when({ type: 'RevokeApiKey', ...at(T1) })
        .then([{ type: 'ApiKeyRevoked', data: { revokedDtm: '2026-05-07T11:00:00.000Z' } }]);
      expect(state).toMatchObject({ status: 'REVOKED', revokedDtm: '2026-05-07T11:00:00.000Z' });
      given([created(), revokedAt(T1)])
        .when({ type: 'RevokeApiKey', ...at(T1) })
        .thenThrows(DomainError, (error) => expect(error.code).toBe('API_KEY_NOT_FOUND'));
    });

    it('refuses the bootstrap key', () => {
      given([created({ id: ADMIN_KEY_ID })])
        .when({ type: 'RevokeApiKey', ...at(T1) })
        .thenThrows(DomainError, (error) => expect(error.code).toBe('API_KEY_MANAGED_BY_CONFIGURATION'));
    });
  });

  describe('EnsureBootstrapKey', () => {
    const ensured = given([]).when({ type: 'EnsureBootstrapKey', ...at(T0), secretHash: HASH_A });

    it('creates the admin key with every permission and store', () => {
      ensured.then([
        {
          type: 'ApiKeyCreated',
          data: {
            id: ADMIN_KEY_ID,
            name: ADMIN_KEY_NAME,
            permissions: ['IdentityStore:*'],
            stores: null,
            secretHash: HASH_A,
            createdDtm: T0.toISOString(),
          },
        },
      ]);
    });

    it('is idempotent for the same secret', () => {
      given(ensured.decided().events)
        .when({ type: 'EnsureBootstrapKey', ...at(T1), secretHash: HASH_A })
        .thenNothingHappened();
    });

    it('re-keys when the configured key changed, and marks the rotation', () => {
      const before = ensured.decided().events;
      const { events, state } = given(before)
        .when({ type: 'EnsureBootstrapKey', ...at(T1), secretHash: HASH_B })
        .then([{ type: 'ApiKeyUpdated', data: { secretHash: HASH_B, updatedDtm: T1.toISOString() } }]);
      expect(state).toMatchObject({
        secretHash: HASH_B,
        secretRotatedDtm: T1.toISOString(),
        secretVersion: 1,
        createdDtm: T0.toISOString(),
      });
      // every re-key bumps the version, whatever the clock says (the same instant included)
      expect(
        given([...before, ...events])
          .when({ type: 'EnsureBootstrapKey', ...at(T1), secretHash: HASH_A })
          .decided().state,
      ).toMatchObject({
        secretVersion: 2,
      });
    });

    it('re-hashes the same secret (rehashOf = the stored hash) without a re-key', () => {
      const before = [created({ id: ADMIN_KEY_ID, permissions: ['IdentityStore:*'], stores: null })];
      const { events, state } = given(before)
        .when({ type: 'EnsureBootstrapKey', ...at(T1), secretHash: HASH_B, rehashOf: HASH_A })
        .then([
          {
            type: 'ApiKeyUpdated',
            data: { secretHash: HASH_B, rehashed: true, updatedDtm: T1.toISOString() },
          },
        ]);
      expect(state).toMatchObject({ secretHash: HASH_B, secretVersion: 0, secretRotatedDtm: null });
      // verified against a hash that is no longer the stored one: a re-key after all
      const { events: stale } = given([...before, ...events])
        .when({ type: 'EnsureBootstrapKey', ...at(T1), secretHash: 'c'.repeat(64), rehashOf: HASH_A })
        .decided();
      expect(stale[0]!.data).not.toHaveProperty('rehashed');
    });

    it('restores the wildcard and every store if they were narrowed', () => {
      given([created({ id: ADMIN_KEY_ID, permissions: ['IdentityStore:getStore'], stores: ['acme'] })])
        .when({ type: 'EnsureBootstrapKey', ...at(T1), secretHash: HASH_A })
        .then([
          {
            type: 'ApiKeyUpdated',
            data: { permissions: ['IdentityStore:*'], stores: null, updatedDtm: T1.toISOString() },
          },
        ]);
    });

    it('refuses to resurrect a revoked bootstrap key', () => {
      given([created({ id: ADMIN_KEY_ID }), revokedAt(T1)])
        .when({ type: 'EnsureBootstrapKey', ...at(T1), secretHash: HASH_A })
        .thenThrows(DomainError, (error) => expect(error.code).toBe('API_KEY_REVOKED'));
    });
  });

  it('shows neither the secret nor its hash in the resource', () => {
    const state = given([created()]).state();
    if (state.status === 'ABSENT') throw new Error('unreachable');
    const resource = toApiKeyResource(state);
    expect(resource).toEqual({
      id: 'k1',
      name: 'ci',
      permissions: ['IdentityStore:getStore'],
      stores: ['acme'],
      createdDtm: T0.toISOString(),
      lastUpdatedDtm: T0.toISOString(),
    });
    expect(JSON.stringify(resource)).not.toContain(HASH_A);
  });

  it('ignores updates and revocations of a stream without creation', () => {
    expect(
      evolveApiKey(initialApiKeyState(), { type: 'ApiKeyRevoked', data: { revokedDtm: T0.toISOString() } }),
    ).toEqual({ status: 'ABSENT' });
  });
});
