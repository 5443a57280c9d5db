/**
 * The steady write load of the fault-injection run: several concurrent clients through the
 * gateway(s) creating users, registering TOTPs, passcodes (SRP-6a, client side by libs/srp) and
 * passkeys (libs/testing's software authenticator), and authenticating with valid and invalid
 * codes, proofs and assertions. Every answer is recorded in the ledger; every answer that says an
 * event was appended (a 2xx, or a 400 FAILURE carrying an authenticationId) becomes an expectation
 * the verifier checks against the streams.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { srpClientProof, srpComputeVerifier, srpParameters } from '@identity-store/srp';
import { SoftwareAuthenticator } from '@identity-store/testing';
import { sleep } from './apps';
import type { Expectation, Outcome, RequestRecord } from './verify';

export const TOTP_POLICY = { name: 'chaos', issuer: 'Chaos', window: 1, period: 30, maxFailedAttempts: 100 };
/**
 * Plain RFC 5054 (`kdf: null`): the client-side key stretching (argon2id by default) would cost the
 * load generator ~0.1 s of CPU per ceremony on the 2 cores it shares with the system under test,
 * and the server does the same work either way (the KDF runs on the client only).
 */
export const PASSCODE_POLICY = {
  name: 'chaos',
  srpGroup: 2048,
  hash: 'SHA-256',
  maxFailedAttempts: 100,
  kdf: null,
} as const;
export const PASSKEY_RP = { rpId: 'chaos.example', origin: 'https://chaos.example', policy: 'chaos' };
const SRP_PARAMS = srpParameters(PASSCODE_POLICY.srpGroup, PASSCODE_POLICY.hash);
/** A request that takes longer has hung (the gateway gives up on a service after 30 s). */
const REQUEST_TIMEOUT_MS = 45_000;

/** Everything the clients observed, in order. */
export class Ledger {
  readonly requests: RequestRecord[] = [];
  readonly expectations: Expectation[] = [];
  phase = 'setup';

  record(op: string, outcome: Outcome) {
    this.requests.push({ phase: this.phase, op, outcome });
  }

  expect(expectation: Omit<Expectation, 'phase'>) {
    this.expectations.push({ phase: this.phase, ...expectation });
  }
}

interface LoadUser {
  id: string;
  busy: boolean;
  totp?: { credentialId: string; secret: Secret; lastStep: number };
  password?: string;
  passkey?: boolean;
}

type Answer = { status: number; body: any } | null;

export interface LoadOptions {
  /** Gateway base URLs to spread requests over (read before every request: fault (d) adds one). */
  gateways: () => string[];
  token: string;
  store: string;
  ledger: Ledger;
}

/** The clients of one run: users persist across phases, clients run while a phase runs. */
export class Load {
  private readonly users: LoadUser[] = [];
  private readonly authenticator = new SoftwareAuthenticator();
  private running: Promise<void>[] = [];
  private stopping = false;
  private next = 0;
  /**
   * Share (%) of operations that send four TOTP authentications of one user at once (after the
   * 12 % onboardings). Raised during fault (d), where the concurrent appends land on both instances.
   */
  concurrentPercent = 8;

  constructor(private readonly options: LoadOptions) {}

  get userCount() {
    return this.users.length;
  }

  start(clients: number) {
    this.stopping = false;
    this.running = Array.from({ length: clients }, () => this.client());
  }

  /** Lets every client finish the operation it is in, then returns. */
  async stop() {
    this.stopping = true;
    await Promise.all(this.running);
    this.running = [];
  }

  private async client() {
    while (!this.stopping) {
      try {
        await this.operation();
      } catch (error) {
        // A bug of the load generator itself: stop the run loudly rather than under-load silently.
        this.stopping = true;
        throw error;
      }
    }
  }

  private async operation() {
    const free = (has: (u: LoadUser) => boolean) => {
      const candidates = this.users.filter((u) => !u.busy && has(u));
      return candidates.length ? candidates[randomInt(candidates.length)]! : undefined;
    };
    if (this.users.length < 30 || randomInt(100) < 12) return this.onboard();
    if (randomInt(100) < this.concurrentPercent) {
      const user = free((u) => !!u.totp);
      return user ? this.withUser(user, () => this.concurrentTotpAuthentications(user)) : this.onboard();
    }
    // The rest: TOTP 40 % (valid 3 : invalid 1), passcodes 30 % (right 2 : wrong 1), passkeys 30 %.
    const roll = randomInt(100);
    const op =
      roll < 30
        ? {
            user: free((u) => !!u.totp && this.totpStep(u) !== undefined),
            run: (u: LoadUser) => this.totpAuthentication(u, true),
          }
        : roll < 40
          ? { user: free((u) => !!u.totp), run: (u: LoadUser) => this.totpAuthentication(u, false) }
          : roll < 60
            ? { user: free((u) => !!u.password), run: (u: LoadUser) => this.passcodeAuthentication(u, true) }
            : roll < 70
              ? {
                  user: free((u) => !!u.password),
                  run: (u: LoadUser) => this.passcodeAuthentication(u, false),
                }
              : { user: free((u) => !!u.passkey), run: (u: LoadUser) => this.passkeyAuthentication(u) };
    if (!op.user) return this.onboard();
    const user = op.user;
    return this.withUser(user, () => op.run(user));
  }

  /** One operation at a time per user, except the deliberately concurrent ones. */
  private async withUser(user: LoadUser, run: () => Promise<void>) {
    user.busy = true;
    try {
      await run();
    } finally {
      user.busy = false;
    }
  }

  private gateway() {
    const gateways = this.options.gateways();
    return gateways[this.next++ % gateways.length]!;
  }

  /** One request through a gateway; records its outcome and honours Retry-After (up to 5 s). */
  private async call(op: string, method: 'POST' | 'GET', path: string, body?: unknown): Promise<Answer> {
    let response: Response;
    try {
      response = await fetch(`${this.gateway()}/api/identity-store/stores/${this.options.store}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.options.token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const timeout = (error as Error).name === 'TimeoutError';
      this.options.ledger.record(op, { kind: timeout ? 'timeout' : 'connection-error' });
      await sleep(500);
      return null;
    }
    const text = await response.text().catch(() => '');
    const retryAfter = response.headers.get('retry-after');
    this.options.ledger.record(op, {
      kind: 'answer',
      status: response.status,
      retryAfter: retryAfter !== null,
    });
    if (response.status === 503 && retryAfter !== null)
      await sleep(Math.min(5, Math.max(0.2, Number(retryAfter) || 1)) * 1000);
    else if (response.status >= 500) await sleep(500);
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed };
  }

  private expect(
    service: Expectation['service'],
    type: string,
    field: string,
    value: unknown,
    because: string,
  ) {
    if (typeof value !== 'string' || !value)
      throw new Error(`${because}: the answer lacks the ${field} that names its event`);
    this.options.ledger.expect({ service, type, field, value, because });
  }

  /** A new user with a TOTP, a passcode and a passkey, each registered as far as the answers allow. */
  private async onboard() {
    const created = await this.call('createUser', 'POST', '/users', {
      extId: `chaos-${randomBytes(8).toString('hex')}`,
    });
    if (created?.status !== 200) return;
    this.expect('identity', 'UserCreated', 'userId', created.body.id, '200 createUser');
    const user: LoadUser = { id: created.body.id, busy: true };
    this.users.push(user);
    try {
      await this.registerTotp(user);
      await this.registerPasscode(user);
      await this.registerPasskey(user);
    } finally {
      user.busy = false;
    }
  }

  private async registerTotp(user: LoadUser) {
    const path = `/users/${user.id}/totps/registrations/${TOTP_POLICY.name}`;
    const started = await this.call('startTotpRegistration', 'POST', path);
    if (started?.status !== 201) return;
    this.expect(
      'totp',
      'TotpRegistrationStarted',
      'credentialId',
      started.body.id,
      '201 startTotpRegistration',
    );
    const secret = Secret.fromBase32(started.body.secret);
    const step = TOTP.counter({ period: TOTP_POLICY.period });
    const completed = await this.call('completeTotpRegistration', 'POST', `${path}/complete`, {
      code: TOTP.generate({
        secret,
        period: TOTP_POLICY.period,
        timestamp: step * TOTP_POLICY.period * 1000,
      }),
    });
    if (completed?.status === 200) {
      this.expect(
        'totp',
        'TotpRegistrationCompleted',
        'credentialId',
        started.body.id,
        '200 completeTotpRegistration',
      );
      user.totp = { credentialId: started.body.id, secret, lastStep: step };
    }
  }

  private async registerPasscode(user: LoadUser) {
    const started = await this.call(
      'startPasscodeRegistration',
      'POST',
      `/users/${user.id}/passcodes/registrations/${PASSCODE_POLICY.name}`,
    );
    if (started?.status !== 201) return;
    this.expect(
      'passcode',
      'PasscodeRegistrationStarted',
      'sessionId',
      started.body.sessionId,
      '201 startPasscodeRegistration',
    );
    const password = randomBytes(12).toString('base64url');
    const salt = randomBytes(16);
    const completed = await this.call(
      'completePasscodeRegistration',
      'POST',
      `/passcodes/registrations/sessions/${started.body.sessionId}`,
      {
        salt: salt.toString('hex'),
        verifier: srpComputeVerifier(SRP_PARAMS, user.id, password, salt),
      },
    );
    if (completed?.status === 200) {
      this.expect(
        'passcode',
        'PasscodeRegistrationCompleted',
        'sessionId',
        started.body.sessionId,
        '200 completePasscodeRegistration',
      );
      user.password = password;
    }
  }

  private async registerPasskey(user: LoadUser) {
    const started = await this.call(
      'startPasskeyRegistration',
      'POST',
      `/users/${user.id}/passkeys/relyingParties/${PASSKEY_RP.rpId}/registrations/${PASSKEY_RP.policy}`,
    );
    if (started?.status !== 201) return;
    this.expect(
      'passkey',
      'PasskeyRegistrationStarted',
      'sessionId',
      started.body.sessionId,
      '201 startPasskeyRegistration',
    );
    const credential = this.authenticator.createCredential(started.body.publicKey, {
      origin: PASSKEY_RP.origin,
    });
    const completed = await this.call(
      'completePasskeyRegistration',
      'POST',
      `/passkeys/registrations/sessions/${started.body.sessionId}`,
      credential,
    );
    if (completed?.status === 200) {
      this.expect(
        'passkey',
        'PasskeyRegistrationCompleted',
        'sessionId',
        started.body.sessionId,
        '200 completePasskeyRegistration',
      );
      user.passkey = true;
    }
  }

  /** A time step whose code the user has not used yet and the server accepts now (window 1), if any. */
  private totpStep(user: LoadUser): number | undefined {
    const now = TOTP.counter({ period: TOTP_POLICY.period });
    if (now > user.totp!.lastStep) return now;
    if (now + 1 > user.totp!.lastStep) return now + 1;
    return undefined;
  }

  private async totpAuthentication(user: LoadUser, valid: boolean) {
    const totp = user.totp!;
    const codeAt = (step: number) =>
      TOTP.generate({
        secret: totp.secret,
        period: TOTP_POLICY.period,
        timestamp: step * TOTP_POLICY.period * 1000,
      });
    const step = valid ? this.totpStep(user) : undefined;
    if (valid && step === undefined) return;
    const now = TOTP.counter({ period: TOTP_POLICY.period });
    const accepted = new Set([now - 1, now, now + 1, now + 2].map(codeAt));
    let code = step !== undefined ? codeAt(step) : '';
    while (!valid && (code === '' || accepted.has(code)))
      code = String(randomInt(1_000_000)).padStart(6, '0');
    if (step !== undefined) totp.lastStep = step;
    const op = valid ? 'authenticateTotp(valid)' : 'authenticateTotp(invalid)';
    const answer = await this.call(
      op,
      'POST',
      `/users/${user.id}/totps/authentications/${TOTP_POLICY.name}`,
      { code },
    );
    this.expectAuthentication('totp', 'Totp', op, answer);
  }

  /**
   * The same user signing in from several devices at once: one valid and three invalid TOTP codes
   * in parallel (through different gateways when there are several). Their events land in one
   * stream milliseconds apart, appended by different instances during fault (d).
   */
  private async concurrentTotpAuthentications(user: LoadUser) {
    await Promise.all([
      this.totpAuthentication(user, this.totpStep(user) !== undefined),
      this.totpAuthentication(user, false),
      this.totpAuthentication(user, false),
      this.totpAuthentication(user, false),
    ]);
  }

  private expectAuthentication(service: Expectation['service'], family: string, op: string, answer: Answer) {
    if (answer?.status === 200)
      this.expect(
        service,
        `${family}AuthenticationSucceeded`,
        'authenticationId',
        answer.body.authenticationId,
        `200 ${op}`,
      );
    else if (answer?.status === 400 && answer.body?.result === 'FAILURE')
      this.expect(
        service,
        `${family}AuthenticationFailed`,
        'authenticationId',
        answer.body.authenticationId,
        `400 FAILURE ${op}`,
      );
  }

  private async passcodeAuthentication(user: LoadUser, valid: boolean) {
    const op = valid ? 'authenticatePasscode(valid)' : 'authenticatePasscode(invalid)';
    const started = await this.call(
      `${op}:start`,
      'POST',
      `/users/${user.id}/passcodes/authentications/${PASSCODE_POLICY.name}`,
    );
    if (started?.status !== 201) return;
    this.expect(
      'passcode',
      'PasscodeAuthenticationStarted',
      'sessionId',
      started.body.sessionId,
      `201 ${op}:start`,
    );
    const { A, M1 } = srpClientProof(SRP_PARAMS, {
      identity: started.body.identity ?? user.id,
      password: valid ? user.password! : `${user.password!}-wrong`,
      salt: started.body.salt,
      B: started.body.B,
    });
    const answer = await this.call(
      `${op}:complete`,
      'POST',
      `/passcodes/authentications/sessions/${started.body.sessionId}`,
      { A, M1 },
    );
    this.expectAuthentication('passcode', 'Passcode', `${op}:complete`, answer);
  }

  private async passkeyAuthentication(user: LoadUser) {
    const op = 'authenticatePasskey';
    const started = await this.call(
      `${op}:start`,
      'POST',
      `/users/${user.id}/passkeys/relyingParties/${PASSKEY_RP.rpId}/authentications/${PASSKEY_RP.policy}`,
    );
    if (started?.status !== 201) return;
    this.expect(
      'passkey',
      'PasskeyAuthenticationStarted',
      'sessionId',
      started.body.sessionId,
      `201 ${op}:start`,
    );
    const assertion = this.authenticator.getAssertion(started.body.publicKey, { origin: PASSKEY_RP.origin });
    const answer = await this.call(
      `${op}:complete`,
      'POST',
      `/passkeys/authentications/sessions/${started.body.sessionId}`,
      assertion,
    );
    this.expectAuthentication('passkey', 'Passkey', `${op}:complete`, answer);
  }
}
