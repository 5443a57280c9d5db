import { DomainError } from '@identity-store/contracts';
import {
  ADMIN_KEY_ID,
  ADMIN_KEY_NAME,
  type ApiKeyCommand,
  type ApiKeyEvent,
  type ApiKeyState,
  apiKeyStreamId,
  decideApiKey,
  evolveApiKey,
  initialApiKeyState,
  toApiKeyResource,
} from './api-key-decider';

const T0 = new Date('2026-05-07T10:00:00.000Z');
const T1 = new Date('2026-05-07T11:00:00.000Z');
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

const given = (...events: ApiKeyEvent[]): ApiKeyState => events.reduce(evolveApiKey, initialApiKeyState());
const run = (state: ApiKeyState, command: ApiKeyCommand) => {
  const events = decideApiKey(command, state);
  return { events, state: events.reduce(evolveApiKey, state) };
};
const errorOf = (fn: () => unknown): DomainError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
};

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

describe('api key decider', () => {
  it('names streams apikey-<id>', () => {
    expect(apiKeyStreamId('k1')).toBe('apikey-k1');
  });

  describe('CreateApiKey', () => {
    it('creates a key, removing duplicate permissions and stores', () => {
      const { events, state } = run(initialApiKeyState(), {
        type: 'CreateApiKey',
        now: T0,
        id: 'k1',
        name: 'ci',
        permissions: ['IdentityStore:getStore', 'IdentityStore:getStore', 'IdentityStore:createUser'],
        stores: ['acme', 'acme'],
        secretHash: HASH_A,
      });
      expect(events).toEqual([
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
      const { events } = run(initialApiKeyState(), {
        type: 'CreateApiKey',
        now: T0,
        id: 'k2',
        name: 'all',
        permissions: ['IdentityStore:*'],
        stores: null,
        secretHash: HASH_A,
      });
      expect(events[0]!.type === 'ApiKeyCreated' && events[0]!.data.stores).toBeNull();
    });

    it('refuses an id that exists', () => {
      const error = errorOf(() =>
        decideApiKey(
          {
            type: 'CreateApiKey',
            now: T0,
            id: 'k1',
            name: 'x',
            permissions: [],
            stores: null,
            secretHash: HASH_A,
          },
          given(created()),
        ),
      );
      expect([error.kind, error.code]).toEqual(['conflict', 'API_KEY_EXISTS']);
    });
  });

  describe('UpdateApiKey', () => {
    it('records only what changed', () => {
      const { events, state } = run(given(created()), {
        type: 'UpdateApiKey',
        now: T1,
        name: 'ci',
        permissions: ['IdentityStore:getStore', 'IdentityStore:listUsers'],
        stores: ['acme'],
      });
      expect(events).toEqual([
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
      const { events } = run(given(created()), {
        type: 'UpdateApiKey',
        now: T1,
        name: 'renamed',
        stores: null,
      });
      expect(events).toEqual([
        { type: 'ApiKeyUpdated', data: { name: 'renamed', stores: null, updatedDtm: T1.toISOString() } },
      ]);
    });

    it('decides nothing when nothing changes', () => {
      expect(
        decideApiKey(
          {
            type: 'UpdateApiKey',
            now: T1,
            name: 'ci',
            permissions: ['IdentityStore:getStore'],
            stores: ['acme'],
          },
          given(created()),
        ),
      ).toEqual([]);
      expect(decideApiKey({ type: 'UpdateApiKey', now: T1 }, given(created()))).toEqual([]);
    });

    it('refuses unknown and revoked keys (404) and the bootstrap key (409)', () => {
      expect(
        errorOf(() => decideApiKey({ type: 'UpdateApiKey', now: T1, name: 'x' }, initialApiKeyState())).code,
      ).toBe('API_KEY_NOT_FOUND');
      const revoked = given(created(), { type: 'ApiKeyRevoked', data: { revokedDtm: T1.toISOString() } });
      expect(errorOf(() => decideApiKey({ type: 'UpdateApiKey', now: T1, name: 'x' }, revoked)).kind).toBe(
        'not-found',
      );
      const admin = given(created({ id: ADMIN_KEY_ID }));
      const error = errorOf(() => decideApiKey({ type: 'UpdateApiKey', now: T1, name: 'x' }, admin));
      expect([error.kind, error.code]).toEqual(['conflict', 'API_KEY_MANAGED_BY_CONFIGURATION']);
    });
  });

  describe('RevokeApiKey', () => {
    it('revokes an active key once', () => {
      const { events, state } = run(given(created()), { type: 'RevokeApiKey', now: T1 });
      expect(events).toEqual([{ type: 'ApiKeyRevoked', data: { revokedDtm: '2026-05-07T11:00:00.000Z' } }]);
      expect(state).toMatchObject({ status: 'REVOKED', revokedDtm: '2026-05-07T11:00:00.000Z' });
      expect(errorOf(() => decideApiKey({ type: 'RevokeApiKey', now: T1 }, state)).code).toBe(
        'API_KEY_NOT_FOUND',
      );
    });

    it('refuses the bootstrap key', () => {
      expect(
        errorOf(() => decideApiKey({ type: 'RevokeApiKey', now: T1 }, given(created({ id: ADMIN_KEY_ID }))))
          .code,
      ).toBe('API_KEY_MANAGED_BY_CONFIGURATION');
    });
  });

  describe('EnsureBootstrapKey', () => {
    it('creates the admin key with every permission and store', () => {
      expect(
        decideApiKey({ type: 'EnsureBootstrapKey', now: T0, secretHash: HASH_A }, initialApiKeyState()),
      ).toEqual([
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
      const state = run(initialApiKeyState(), {
        type: 'EnsureBootstrapKey',
        now: T0,
        secretHash: HASH_A,
      }).state;
      expect(decideApiKey({ type: 'EnsureBootstrapKey', now: T1, secretHash: HASH_A }, state)).toEqual([]);
    });

    it('re-keys when the configured key changed, and marks the rotation', () => {
      const before = run(initialApiKeyState(), {
        type: 'EnsureBootstrapKey',
        now: T0,
        secretHash: HASH_A,
      }).state;
      const { events, state } = run(before, { type: 'EnsureBootstrapKey', now: T1, secretHash: HASH_B });
      expect(events).toEqual([
        { type: 'ApiKeyUpdated', data: { secretHash: HASH_B, updatedDtm: T1.toISOString() } },
      ]);
      expect(state).toMatchObject({
        secretHash: HASH_B,
        secretRotatedDtm: T1.toISOString(),
        secretVersion: 1,
        createdDtm: T0.toISOString(),
      });
      // every re-key bumps the version, whatever the clock says (the same instant included)
      expect(run(state, { type: 'EnsureBootstrapKey', now: T1, secretHash: HASH_A }).state).toMatchObject({
        secretVersion: 2,
      });
    });

    it('re-hashes the same secret (rehashOf = the stored hash) without a re-key', () => {
      const before = given(created({ id: ADMIN_KEY_ID, permissions: ['IdentityStore:*'], stores: null }));
      const { events, state } = run(before, {
        type: 'EnsureBootstrapKey',
        now: T1,
        secretHash: HASH_B,
        rehashOf: HASH_A,
      });
      expect(events).toEqual([
        { type: 'ApiKeyUpdated', data: { secretHash: HASH_B, rehashed: true, updatedDtm: T1.toISOString() } },
      ]);
      expect(state).toMatchObject({ secretHash: HASH_B, secretVersion: 0, secretRotatedDtm: null });
      // verified against a hash that is no longer the stored one: a re-key after all
      const { events: stale } = run(state, {
        type: 'EnsureBootstrapKey',
        now: T1,
        secretHash: 'c'.repeat(64),
        rehashOf: HASH_A,
      });
      expect(stale[0]!.data).not.toHaveProperty('rehashed');
    });

    it('restores the wildcard and every store if they were narrowed', () => {
      const narrowed = given(
        created({ id: ADMIN_KEY_ID, permissions: ['IdentityStore:getStore'], stores: ['acme'] }),
      );
      expect(decideApiKey({ type: 'EnsureBootstrapKey', now: T1, secretHash: HASH_A }, narrowed)).toEqual([
        {
          type: 'ApiKeyUpdated',
          data: { permissions: ['IdentityStore:*'], stores: null, updatedDtm: T1.toISOString() },
        },
      ]);
    });

    it('refuses to resurrect a revoked bootstrap key', () => {
      const revoked = given(created({ id: ADMIN_KEY_ID }), {
        type: 'ApiKeyRevoked',
        data: { revokedDtm: T1.toISOString() },
      });
      expect(
        errorOf(() => decideApiKey({ type: 'EnsureBootstrapKey', now: T1, secretHash: HASH_A }, revoked))
          .code,
      ).toBe('API_KEY_REVOKED');
    });
  });

  it('shows neither the secret nor its hash in the resource', () => {
    const state = given(created());
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
