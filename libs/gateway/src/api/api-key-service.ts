import { randomBytes } from 'node:crypto';
import { DomainError, forbidden } from '@identity-store/contracts';
import type { EventMetadata, Page, PageRequest } from '@identity-store/event-store';
import {
  credentialOf,
  formatApiKey,
  hashPassphrase,
  hashSecret,
  isPassphraseHash,
  isRandomApiKey,
  secretMatches,
} from '../domain/api-key-format';
import {
  ADMIN_KEY_ID,
  type ApiKeyEvent,
  type ApiKeyRecord,
  type ApiKeyResource,
  type ApiKeyState,
  decideApiKey,
  toApiKeyResource,
} from '../domain/api-key-decider';
import { type KeyScope, narrowScope, scopeViolation } from '../domain/permissions';
import type { ApiKeyRepository } from '../data/api-key-repository';
import type { Principal } from './tokens';

export interface Versioned<T> {
  value: T;
  version: number;
}

export interface NewApiKey {
  name: string;
  permissions: string[];
  stores: string[] | null;
}

export type ApiKeyChanges = Partial<NewApiKey>;

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

const newKeyId = (): string => randomBytes(10).toString('hex');
const newSecret = (): Buffer => randomBytes(32);

const preconditionFailed = () =>
  new DomainError(
    'precondition-failed',
    'PRECONDITION_FAILED',
    'The API key was changed since the given If-Match version.',
  );

/** `W/"3"` or `"3"` → 3; `*` → undefined (any); anything else → NaN (never matches). */
export const versionOfIfMatch = (header: string | undefined): number | undefined => {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(header);
  return match ? Number(match[1]) : Number.NaN;
};

const apiKeyNotFound = (id: string) =>
  new DomainError('not-found', 'API_KEY_NOT_FOUND', `API key ${id} does not exist.`);

const scopeProblem = (outer: KeyScope, inner: KeyScope): void => {
  const violation = scopeViolation(outer, inner);
  if (violation) throw forbidden(violation.code, violation.detail);
};

/**
 * Use cases of API keys: creating (the key string is returned once and never stored), updating,
 * revoking, listing, authenticating a presented key, the bootstrap key, and the per-request check
 * that a token's key still stands.
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
    private readonly repository: ApiKeyRepository,
    private readonly options: { statusTtlMs?: number; now?: () => Date } = {},
  ) {}

  private now(): Date {
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

  private async execute(
    id: string,
    decide: (state: ApiKeyState, version: number) => ApiKeyEvent[],
    metadata: EventMetadata,
  ) {
    const result = await this.repository.execute(id, decide, metadata);
    this.remember(id, result.state);
    return result;
  }

  private async activeKey(id: string): Promise<{ key: ApiKeyRecord; version: number }> {
    const { state, version } = await this.repository.load(id);
    if (state.status !== 'ACTIVE') throw apiKeyNotFound(id);
    return { key: state, version };
  }

  async create(
    caller: KeyScope,
    input: NewApiKey,
    metadata: EventMetadata,
  ): Promise<Versioned<ApiKeyResource> & { key: string }> {
    scopeProblem(caller, input);
    const id = newKeyId();
    const secret = newSecret();
    const key = formatApiKey(id, secret);
    const secretHash = hashSecret(secret.toString('base64url'));
    const now = this.now();
    const result = await this.execute(
      id,
      (state) => decideApiKey({ type: 'CreateApiKey', now, id, ...input, secretHash }, state),
      metadata,
    );
    return { value: toApiKeyResource(result.state as ApiKeyRecord), version: result.version, key };
  }

  /** A key the caller's scope covers; any other is 404, like an unknown one. */
  async get(caller: KeyScope, id: string): Promise<Versioned<ApiKeyResource>> {
    const { key, version } = await this.activeKey(id);
    if (scopeViolation(caller, key)) throw apiKeyNotFound(id);
    return { value: toApiKeyResource(key), version };
  }

  /** The active keys the caller's scope covers, a page at a time (counts include only those). */
  list(caller: KeyScope, request: PageRequest): Promise<Page<ApiKeyResource>> {
    return this.repository.page(request, caller);
  }

  async update(
    caller: KeyScope,
    id: string,
    changes: ApiKeyChanges,
    ifMatch: number | undefined,
    metadata: EventMetadata,
  ): Promise<Versioned<ApiKeyResource>> {
    const now = this.now();
    const result = await this.execute(
      id,
      (state, version) => {
        if (state.status === 'ACTIVE') {
          scopeProblem(caller, state);
          scopeProblem(caller, {
            permissions: changes.permissions ?? state.permissions,
            stores: changes.stores === undefined ? state.stores : changes.stores,
          });
          if (ifMatch !== undefined && ifMatch !== version) throw preconditionFailed();
        }
        return decideApiKey({ type: 'UpdateApiKey', now, ...changes }, state);
      },
      metadata,
    );
    return { value: toApiKeyResource(result.state as ApiKeyRecord), version: result.version };
  }

  async revoke(
    caller: KeyScope,
    id: string,
    ifMatch: number | undefined,
    metadata: EventMetadata,
  ): Promise<void> {
    const now = this.now();
    await this.execute(
      id,
      (state, version) => {
        if (state.status === 'ACTIVE') {
          scopeProblem(caller, state);
          if (ifMatch !== undefined && ifMatch !== version) throw preconditionFailed();
        }
        return decideApiKey({ type: 'RevokeApiKey', now }, state);
      },
      metadata,
    );
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
    const { state } = await this.repository.load(id);
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
      this.remember(token.keyId, (await this.repository.load(token.keyId)).state);
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
      const { state } = await this.repository.load(ADMIN_KEY_ID);
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
    let result: Awaited<ReturnType<ApiKeyService['execute']>> | undefined;
    for (let attempt = 0; result === undefined; attempt++) {
      // Salted hashes differ on every call: keep the stored hash when it already is this secret's,
      // of the right kind, or the key would be re-keyed (and its tokens refused) on every restart.
      const { state: stored } = await this.repository.load(ADMIN_KEY_ID);
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
        result = await this.execute(
          ADMIN_KEY_ID,
          (state) => {
            // Another instance ensured the key meanwhile (several starting at once): decide again
            // on what it stored, rather than re-key over it with this call's own salt.
            if (hashOf(state) !== verifiedAgainst) throw new BootstrapKeyChanged();
            return decideApiKey({ type: 'EnsureBootstrapKey', now, secretHash, rehashOf }, state);
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
    return this.repository.ping();
  }
}
