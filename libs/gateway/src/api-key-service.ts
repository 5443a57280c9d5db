import { randomBytes } from 'node:crypto';
import type { ApiKeyResource } from '@identity-store/contracts';
import type { EventMetadata, Page, PageRequest } from '@identity-store/event-store';
import {
  credentialOf,
  formatApiKey,
  hashPassphrase,
  hashSecret,
  isPassphraseHash,
  isRandomApiKey,
  secretMatches,
} from './domain/api-key-format';
import { type KeyScope, narrowScope } from './domain/permissions';
import type { Principal } from './api/tokens';
import { ADMIN_KEY_ID, type ApiKeyEvent, type ApiKeyRecord, type ApiKeyState } from './domain/api-key';
import { decideApiKey } from './domain/api-key-decider';
import type { ApiKeyStorage } from './data/api-key-storage';

export interface EnsureAdminKeyResult {
  status: 'created' | 'updated' | 'unchanged';
  /** Only when the key was generated here (no key passed): show it once, it is not stored. */
  key?: string;
}

interface KeyStatus {
  until: number;
  /** null: unknown or revoked key. */
  scope: KeyScope | null;
  /** Tokens of another secret version are refused. */
  secretVersion: number;
  /** Seconds since the epoch, for tokens without a secret version: those issued up to it are refused. */
  rotatedAt: number | null;
}

/** The outcome of checking a presented key string. */
export interface KeyAuthentication {
  /** The active key, when the secret matched. */
  key: ApiKeyRecord | undefined;
  /** The key id the string names (`admin` for a string not of the `isk_` form). */
  keyId: string;
  /** Whether the check was (or would have been) the slow passphrase check (scrypt). */
  passphrase: boolean;
}

class BootstrapKeyChanged extends Error {
  constructor() {
    super('the bootstrap key changed while it was being ensured');
  }
}

export const newSecret = (): Buffer => randomBytes(32);

/**
 * API keys as the rest of the gateway sees them: authenticating a presented key, the bootstrap key,
 * the per-request check that a token's key still stands, and the storage the management API's
 * handlers (api-key-api.ts) decide on.
 *
 * Revocation: tokens are self-contained JWTs, but every request also checks the token's key against
 * its current state — revoked keys' tokens stop working, re-keyed keys' older tokens too, and
 * reduced permissions/stores narrow the token (see narrowScope). The state is cached per key for
 * `statusTtlMs` (default 10 s): changes made through this instance apply at once, changes made
 * through another gateway instance within that time.
 *
 * Reads are scoped like writes: a caller sees only the keys it could have created itself
 * (`scopeViolation(caller, key) === undefined`); others are 404, and absent from lists and their
 * counts. So a key limited to some stores learns nothing of other stores' keys (as listStores
 * hides other stores).
 */
export class ApiKeyService {
  private readonly statuses = new Map<string, KeyStatus>();

  constructor(
    private readonly storage: ApiKeyStorage,
    private readonly options: { statusTtlMs?: number; now?: () => Date } = {},
  ) {}

  /** The clock of decisions and of the status cache. */
  now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private remember(id: string, state: ApiKeyState): void {
    const ttl = this.options.statusTtlMs ?? 10_000;
    this.statuses.set(id, {
      until: this.now().getTime() + ttl,
      scope: state.status === 'ACTIVE' ? { permissions: state.permissions, stores: state.stores } : null,
      secretVersion: state.status === 'ACTIVE' ? state.secretVersion : 0,
      rotatedAt:
        state.status === 'ACTIVE' && state.secretRotatedDtm
          ? Math.floor(Date.parse(state.secretRotatedDtm) / 1000)
          : null,
    });
    if (this.statuses.size > 100_000) this.statuses.clear();
  }

  /** A key's state and stream version (0: no stream). */
  load(id: string): Promise<{ state: ApiKeyState; version: number }> {
    return this.storage.load(id);
  }

  /**
   * Runs a decision on the key (see ApiKeyStorage.handle); the key's status as decided applies to
   * this instance's token checks at once.
   */
  async handle(
    id: string,
    decide: (state: ApiKeyState, version: number) => ApiKeyEvent[],
    metadata: EventMetadata,
  ) {
    const result = await this.storage.handle(id, decide, metadata);
    this.remember(id, result.state);
    return result;
  }

  /** Active keys, a page at a time; with `visibleTo`, only the keys that scope covers. */
  page(request: PageRequest, visibleTo?: KeyScope): Promise<Page<ApiKeyResource>> {
    return this.storage.page(request, visibleTo);
  }

  /**
   * The active key a presented key string belongs to, if the secret matches (constant-time).
   * `beforePassphraseCheck` runs only when the key's stored hash is a passphrase hash, before the
   * slow check; it may throw to refuse the attempt unchecked (rate limiting of guessable keys).
   */
  async authenticate(
    presented: string,
    beforePassphraseCheck?: (keyId: string) => Promise<void>,
  ): Promise<KeyAuthentication> {
    const { id, secret } = credentialOf(presented, ADMIN_KEY_ID);
    const { state } = await this.storage.load(id);
    // Compare even for unknown keys, so the answer takes the same time whether the id exists.
    const hash = state.status === 'ACTIVE' ? state.secretHash : '0'.repeat(64);
    const passphrase = isPassphraseHash(hash);
    if (passphrase) await beforePassphraseCheck?.(id);
    const matches = await secretMatches(hash, secret);
    return { key: matches && state.status === 'ACTIVE' ? state : undefined, keyId: id, passphrase };
  }

  /**
   * The principal a verified token stands for now: undefined when its key was revoked (or
   * re-keyed after the token was issued); otherwise the token's scope narrowed to the key's
   * current one.
   */
  async currentPrincipal(token: Principal): Promise<Principal | undefined> {
    let status = this.statuses.get(token.keyId);
    if (!status || status.until < this.now().getTime()) {
      this.remember(token.keyId, (await this.storage.load(token.keyId)).state);
      status = this.statuses.get(token.keyId)!;
    }
    if (!status.scope) return undefined;
    if (token.secretVersion !== undefined) {
      if (token.secretVersion !== status.secretVersion) return undefined;
    } else if (status.rotatedAt !== null && token.issuedAt <= status.rotatedAt) {
      // A token issued before secret versions existed (at most one token lifetime after the
      // upgrade): `iat` has whole seconds, so one issued in the second of a re-key is refused too.
      return undefined;
    }
    return { ...token, ...narrowScope(token, status.scope) };
  }

  /**
   * Makes sure the bootstrap key `admin` (`IdentityStore:*`, every store) exists. With a key
   * (ADMIN_API_KEY): creates it, or re-keys it when the configured key changed. Without one (the
   * embedded default): generates a key only if none exists yet and returns it, to be shown once.
   * Idempotent. A configured key not of the random `isk_` form is stored as a salted scrypt hash; a
   * passphrase stored as SHA-256 by an earlier version is re-hashed (not a re-key: its tokens stay).
   */
  async ensureAdminKey(
    key?: string,
    metadata: EventMetadata = { correlationId: 'bootstrap' },
  ): Promise<EnsureAdminKeyResult> {
    let generated: string | undefined;
    if (key === undefined) {
      const { state } = await this.storage.load(ADMIN_KEY_ID);
      if (state.status !== 'ABSENT') return { status: 'unchanged' };
      generated = formatApiKey(ADMIN_KEY_ID, newSecret());
    } else if (key.length < 24) {
      throw new Error('the admin API key must be at least 24 characters');
    }
    const credential = credentialOf(generated ?? key!, ADMIN_KEY_ID);
    if (credential.id !== ADMIN_KEY_ID)
      throw new Error(
        `the admin API key names key id "${credential.id}"; use isk_${ADMIN_KEY_ID}_<secret> or a plain secret`,
      );
    const now = this.now();
    const passphrase = !isRandomApiKey(generated ?? key!);
    const hashOf = (state: ApiKeyState) => (state.status === 'ACTIVE' ? state.secretHash : undefined);
    let result: Awaited<ReturnType<ApiKeyService['handle']>> | undefined;
    for (let attempt = 0; result === undefined; attempt++) {
      // Salted hashes differ on every call: keep the stored hash when it already is this secret's,
      // of the right kind, or the key would be re-keyed (and its tokens refused) on every restart.
      const { state: stored } = await this.storage.load(ADMIN_KEY_ID);
      const verifiedAgainst = hashOf(stored);
      const storedMatches =
        verifiedAgainst !== undefined && (await secretMatches(verifiedAgainst, credential.secret));
      const secretHash =
        storedMatches && isPassphraseHash(verifiedAgainst) === passphrase
          ? verifiedAgainst
          : passphrase
            ? await hashPassphrase(credential.secret)
            : hashSecret(credential.secret);
      const rehashOf = storedMatches ? verifiedAgainst : undefined;
      try {
        result = await this.handle(
          ADMIN_KEY_ID,
          (state) => {
            // Another instance ensured the key meanwhile (several starting at once): decide again
            // on what it stored, rather than re-key over it with this call's own salt.
            if (hashOf(state) !== verifiedAgainst) throw new BootstrapKeyChanged();
            return decideApiKey(
              { type: 'EnsureBootstrapKey', secretHash, rehashOf, metadata: { now } },
              state,
            );
          },
          metadata,
        );
      } catch (error) {
        if (!(error instanceof BootstrapKeyChanged) || attempt >= 3) throw error;
      }
    }
    const status =
      result.events.length === 0
        ? 'unchanged'
        : result.events[0]!.type === 'ApiKeyCreated'
          ? 'created'
          : 'updated';
    return generated ? { status, key: generated } : { status };
  }

  ping(): Promise<void> {
    return this.storage.ping();
  }
}
