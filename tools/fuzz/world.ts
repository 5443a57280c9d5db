import { randomBytes } from 'node:crypto';
import { SoftwareAuthenticator } from '@identity-store/testing';
import { SRP, SrpClient } from 'fast-srp-hap';
import * as OTPAuth from 'otpauth';
import type { RawHttpClient } from './raw-http';

/**
 * What exists in the system under test, so that a share of the fuzzed requests names real stores,
 * users, policies, sessions and credentials (and reaches the code behind the lookups). Seeded through
 * the API before fuzzing, then kept up to date from the answers the fuzzed requests get.
 */

export type SessionKind =
  | 'passcode-registration'
  | 'passcode-authentication'
  | 'passcode-renewal'
  | 'passkey-registration'
  | 'passkey-authentication';
export type CredentialKind = 'totp' | 'passcode' | 'passkey';

export interface WorldUser {
  id: string;
  extId: string;
}

export interface WorldStore {
  name: string;
  users: WorldUser[];
  totpPolicies: string[];
  passcodePolicies: string[];
  passkeyConfigs: Array<{ rpId: string; registrationPolicies: string[]; authenticationPolicies: string[] }>;
  deleted: boolean;
}

export interface WorldSession {
  kind: SessionKind;
  id: string;
  storeName: string;
  /** The start answer (salt and B of an SRP challenge, WebAuthn options). */
  start: Record<string, unknown>;
}

const SRP_GROUP = SRP.params[2048];
export const RP_ID = 'example.com';
export const ORIGIN = 'https://login.example.com';
const PASSWORD = 'correct horse battery staple';

export class World {
  readonly stores = new Map<string, WorldStore>();
  readonly sessions: WorldSession[] = [];
  readonly credentials: Array<{ kind: CredentialKind; id: string; storeName: string; userId: string }> = [];
  readonly authentications: Array<{ id: string; storeName: string; userId: string }> = [];
  readonly apiKeyIds: string[] = [];
  /** TOTP secrets by `store/userId/policy`, to send right codes too. */
  readonly totpSecrets = new Map<string, string>();
  /** The passcode every seeded user registered (SRP proofs for real sessions). */
  readonly password = PASSWORD;
  readonly authenticator = new SoftwareAuthenticator();
  private counter = 0;

  constructor(private readonly runLabel = randomBytes(3).toString('hex')) {}

  storeList(): WorldStore[] {
    return [...this.stores.values()].filter((store) => !store.deleted);
  }

  /** Stores that still have users with credentials (re-seed when none is left). */
  richStores(): WorldStore[] {
    return this.storeList().filter(
      (store) => store.users.length > 0 && this.credentials.some((c) => c.storeName === store.name),
    );
  }

  userOf(storeName: string, id: string): WorldUser | undefined {
    return this.stores.get(storeName)?.users.find((user) => user.id === id || user.extId === id);
  }

  // ---------------------------------------------------------------------------------------------
  // Learning from answers
  // ---------------------------------------------------------------------------------------------

  /** Records what a store answer says exists (policies, relying parties). */
  learnStore(body: Record<string, unknown>): void {
    const name = body.name as string;
    const store = this.stores.get(name) ?? {
      name,
      users: [],
      totpPolicies: [],
      passcodePolicies: [],
      passkeyConfigs: [],
      deleted: false,
    };
    store.deleted = false;
    store.totpPolicies = Object.keys((body.totpPolicies as object) ?? {});
    store.passcodePolicies = Object.keys((body.passcodePolicies as object) ?? {});
    store.passkeyConfigs = Object.entries(
      (body.passkeyConfigs as Record<string, Record<string, object>>) ?? {},
    ).map(([rpId, config]) => ({
      rpId,
      registrationPolicies: Object.keys(config.registrationPolicies ?? {}),
      authenticationPolicies: Object.keys(config.authenticationPolicies ?? {}),
    }));
    this.stores.set(name, store);
  }

  /** Records a user answer: the user and the credentials its summary lists. */
  learnUser(storeName: string, body: Record<string, unknown>): void {
    const store = this.stores.get(storeName);
    if (!store || typeof body.id !== 'string' || typeof body.extId !== 'string') return;
    if (!store.users.some((user) => user.id === body.id))
      store.users.push({ id: body.id, extId: body.extId });
    const summary = body.summaryInfo as Record<string, { items?: Array<{ id: string }> }> | undefined;
    for (const [group, kind] of [
      ['totps', 'totp'],
      ['passcodes', 'passcode'],
      ['passkeys', 'passkey'],
    ] as const)
      for (const item of summary?.[group]?.items ?? [])
        if (!this.credentials.some((c) => c.id === item.id))
          this.credentials.push({ kind, id: item.id, storeName, userId: body.id });
  }

  /**
   * Everything an answer of `operationId` teaches: stores, users, sessions, credentials,
   * authentications, API keys; and what a 2xx delete removed.
   */
  learn(operationId: string, params: Record<string, string>, status: number, body: unknown): void {
    const storeName = params.storeName;
    if (status >= 200 && status < 300 && operationId === 'deleteStore' && storeName) {
      const store = this.stores.get(storeName);
      if (store) store.deleted = true;
      return;
    }
    if (
      status >= 200 &&
      status < 300 &&
      (operationId === 'deleteUser' || operationId === 'deleteUserByExtId') &&
      storeName
    ) {
      const store = this.stores.get(storeName);
      const ref = params.userId ?? params.extId;
      if (store) store.users = store.users.filter((user) => user.id !== ref && user.extId !== ref);
      return;
    }
    if (status >= 300 || body === null || typeof body !== 'object') return;
    const answer = body as Record<string, unknown>;
    if ('totpPolicies' in answer && typeof answer.name === 'string') this.learnStore(answer);
    if (Array.isArray(answer.content))
      for (const item of answer.content as Record<string, unknown>[]) {
        if ('totpPolicies' in item) this.learnStore(item);
        else if (storeName && 'summaryInfo' in item) this.learnUser(storeName, item);
      }
    if (!storeName) {
      if (operationId === 'createApiKey' && typeof answer.id === 'string') this.apiKeyIds.push(answer.id);
      return;
    }
    if ('summaryInfo' in answer) this.learnUser(storeName, answer);
    const user = answer.user as Record<string, unknown> | undefined;
    if (user && 'summaryInfo' in user) this.learnUser(storeName, user);
    const userId =
      (user?.id as string | undefined) ?? this.userOf(storeName, params.userId ?? params.extId ?? '')?.id;
    if (typeof answer.authenticationId === 'string' && userId)
      this.authentications.push({ id: answer.authenticationId, storeName, userId });
    if (typeof answer.sessionId === 'string') {
      const kind = sessionKindOf(operationId);
      if (kind) this.sessions.push({ kind, id: answer.sessionId, storeName, start: answer });
    }
    if (typeof answer.secret === 'string' && params.policyName && userId)
      this.totpSecrets.set(`${storeName}/${userId}/${params.policyName}`, answer.secret);
  }

  // ---------------------------------------------------------------------------------------------
  // Right answers to challenges (so that ceremonies also succeed, not only fail)
  // ---------------------------------------------------------------------------------------------

  /** The current TOTP code of a known secret. */
  totpCode(storeName: string, userId: string, policyName: string): string | undefined {
    const secret = this.totpSecrets.get(`${storeName}/${userId}/${policyName}`);
    if (!secret) return undefined;
    return new OTPAuth.TOTP({
      secret: OTPAuth.Secret.fromBase32(secret),
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
    }).generate();
  }

  /** A proof of {@link password} for a passcode authentication or renewal session (2048-bit group). */
  srpProof(session: WorldSession): { A: string; M1: string } | undefined {
    const { salt, B, identity, srpGroup, hash } = session.start as Record<string, unknown>;
    if (typeof salt !== 'string' || typeof B !== 'string' || typeof identity !== 'string') return undefined;
    if (srpGroup !== undefined && srpGroup !== 2048) return undefined;
    if (hash !== undefined && hash !== 'SHA-256') return undefined;
    const client = new SrpClient(
      SRP_GROUP,
      Buffer.from(salt, 'hex'),
      Buffer.from(identity),
      Buffer.from(PASSWORD),
      randomBytes(32),
    );
    client.setB(Buffer.from(B, 'hex'));
    return { A: client.computeA().toString('hex'), M1: client.computeM1().toString('hex') };
  }

  /** A new salt and the verifier of {@link password} for a user id (passcode registration). */
  srpVerifier(identity: string): { salt: string; verifier: string } {
    const salt = randomBytes(16);
    const verifier = SRP.computeVerifier(SRP_GROUP, salt, Buffer.from(identity), Buffer.from(PASSWORD));
    return { salt: salt.toString('hex'), verifier: verifier.toString('hex') };
  }

  /** The software authenticator's response to a passkey session's options (undefined if it cannot). */
  webauthnResponse(session: WorldSession): unknown {
    const publicKey = session.start.publicKey as Record<string, unknown> | undefined;
    if (!publicKey) return undefined;
    try {
      if (session.kind === 'passkey-registration')
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        return this.authenticator.createCredential(publicKey as any, { origin: ORIGIN });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return this.authenticator.getAssertion(publicKey as any, { origin: ORIGIN });
    } catch {
      return undefined; // no credential of the session's user, or an excluded one
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Seeding
  // ---------------------------------------------------------------------------------------------

  /**
   * A store with TOTP and passcode policies, a passkey relying party, an attribute schema, four users
   * (one DISABLED) and credentials of every kind, plus open ceremony sessions. Every step is
   * checked: a seeding failure is a failure of the run, not something to fuzz past.
   */
  async seedStore(client: RawHttpClient, token: string): Promise<WorldStore> {
    const name = `fz_${this.runLabel}_${++this.counter}`;
    const api = `/api/identity-store/stores`;
    const expectStatus = async (
      what: string,
      expected: number,
      call: Promise<{ status: number; body: unknown }>,
    ): Promise<Record<string, unknown>> => {
      const answer = await call;
      if (answer.status !== expected)
        throw new Error(
          `seeding: ${what} answered ${answer.status} (expected ${expected}): ${JSON.stringify(answer.body)}`,
        );
      return answer.body as Record<string, unknown>;
    };
    const store = await expectStatus(
      'createStore',
      201,
      client.json('POST', api, {
        token,
        body: {
          name,
          description: 'API fuzzing',
          attributeSchema: {
            type: 'object',
            properties: { age: { type: 'integer', minimum: 0 }, email: { type: 'string', maxLength: 100 } },
          },
          totpPolicies: {
            default: { issuer: 'Fuzz' },
            strict: { issuer: 'Fuzz', maxFailedAttempts: 3, window: 0 },
          },
          passcodePolicies: {
            default: { validity: 'P90D', renewalWindow: 'P90D' },
            short: { maxFailedAttempts: 3 },
          },
          passkeyConfigs: {
            [RP_ID]: {
              rpName: 'Example',
              origins: ['https://example.com', ORIGIN],
              registrationPolicies: { default: {}, strict: { userVerification: 'required' } },
              authenticationPolicies: { default: {} },
            },
          },
        },
      }),
    );
    this.learnStore(store);
    const users: Record<string, Record<string, unknown>> = {};
    for (const extId of ['alice', 'bob', 'carol', 'dave']) {
      users[extId] = await expectStatus(
        'createUser',
        200,
        client.json('POST', `${api}/${name}/users`, { token, body: { extId, attributes: { age: 30 } } }),
      );
      this.learnUser(name, users[extId]!);
    }
    const userPath = (extId: string) => `${api}/${name}/users/${users[extId]!.id as string}`;
    await expectStatus(
      'updateUser',
      200,
      client.json('POST', userPath('dave'), { token, body: { status: 'DISABLED' } }),
    );

    for (const extId of ['alice', 'bob']) {
      const started = await expectStatus(
        'startTotpRegistration',
        201,
        client.json('POST', `${userPath(extId)}/totps/registrations/default`, { token }),
      );
      this.learn(
        'startTotpRegistration',
        { storeName: name, userId: users[extId]!.id as string, policyName: 'default' },
        201,
        started,
      );
      const code = this.totpCode(name, users[extId]!.id as string, 'default')!;
      const completed = await expectStatus(
        'completeTotpRegistration',
        200,
        client.json('POST', `${userPath(extId)}/totps/registrations/default/complete`, {
          token,
          body: { code },
        }),
      );
      this.learnUser(name, completed);
    }

    for (const extId of ['alice', 'carol']) {
      const started = await expectStatus(
        'startPasscodeRegistration',
        201,
        client.json('POST', `${userPath(extId)}/passcodes/registrations/default`, { token }),
      );
      const completed = await expectStatus(
        'completePasscodeRegistration',
        200,
        client.json(
          'POST',
          `${api}/${name}/passcodes/registrations/sessions/${started.sessionId as string}`,
          {
            token,
            body: this.srpVerifier(started.identity as string),
          },
        ),
      );
      this.learnUser(name, completed);
    }

    const passkeyStart = await expectStatus(
      'startPasskeyRegistration',
      201,
      client.json('POST', `${userPath('alice')}/passkeys/relyingParties/${RP_ID}/registrations/default`, {
        token,
      }),
    );
    const registered = await expectStatus(
      'completePasskeyRegistration',
      200,
      client.json(
        'POST',
        `${api}/${name}/passkeys/registrations/sessions/${passkeyStart.sessionId as string}`,
        {
          token,
          body: this.webauthnResponse({
            kind: 'passkey-registration',
            id: '',
            storeName: name,
            start: passkeyStart,
          }),
        },
      ),
    );
    this.learnUser(name, registered);

    // Open sessions of every kind, for completions with real session ids.
    const opens: Array<[string, string, string]> = [
      ['startPasscodeAuthentication', 'alice', '/passcodes/authentications/default'],
      ['startPasscodeAuthentication', 'carol', '/passcodes/authentications/default'],
      ['startPasscodeRenewal', 'alice', '/passcodes/renewals/default'],
      ['startPasscodeRegistration', 'bob', '/passcodes/registrations/default'],
      ['startPasskeyAuthentication', 'alice', `/passkeys/relyingParties/${RP_ID}/authentications/default`],
      ['startPasskeyRegistration', 'bob', `/passkeys/relyingParties/${RP_ID}/registrations/default`],
    ];
    for (const [operationId, extId, path] of opens) {
      const started = await expectStatus(
        operationId,
        201,
        client.json('POST', `${userPath(extId)}${path}`, { token }),
      );
      this.learn(operationId, { storeName: name, userId: users[extId]!.id as string }, 201, started);
    }
    return this.stores.get(name)!;
  }

  /** A store with nothing in it (operations on an empty store take other paths). */
  async seedEmptyStore(client: RawHttpClient, token: string): Promise<void> {
    const name = `fz_${this.runLabel}_${++this.counter}_empty`;
    const answer = await client.json('POST', '/api/identity-store/stores', { token, body: { name } });
    if (answer.status !== 201) throw new Error(`seeding: createStore answered ${answer.status}`);
    this.learnStore(answer.body as Record<string, unknown>);
  }
}

/** The ceremony session a start operation opens. */
export const sessionKindOf = (operationId: string): SessionKind | undefined => {
  if (/^startPasscodeRegistration/.test(operationId)) return 'passcode-registration';
  if (/^startPasscodeAuthentication/.test(operationId)) return 'passcode-authentication';
  if (/^startPasscodeRenewal/.test(operationId)) return 'passcode-renewal';
  if (/^start(Store)?PasskeyRegistration/.test(operationId)) return 'passkey-registration';
  if (/^start(Usernameless)?PasskeyAuthentication/.test(operationId)) return 'passkey-authentication';
  return undefined;
};

/** The session kind a completion path names (`…/passcodes/renewals/sessions/{sessionId}`). */
export const sessionKindOfPath = (path: string): SessionKind | undefined => {
  const found = /\/(passcodes|passkeys)\/(registrations|authentications|renewals)\/sessions\//.exec(path);
  if (!found) return undefined;
  const ceremony =
    found[2] === 'registrations' ? 'registration' : found[2] === 'renewals' ? 'renewal' : 'authentication';
  return `${found[1] === 'passcodes' ? 'passcode' : 'passkey'}-${ceremony}` as SessionKind;
};
