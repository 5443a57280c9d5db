import { createCipheriv, randomBytes } from 'node:crypto';
import { emptySummaryInfo, type Store, type TotpPolicy, type UserRecord } from '@identity-store/contracts';
import { SecretBox, generateSecretsKey } from '@identity-store/crypto';
import { createPrismaClient, PostgresEventStore, type PrismaClient } from '@identity-store/event-store';
import type { IdentityQueries, SummaryQueries } from '@identity-store/service-clients';
import { createTestDatabase, emptySummaries, type TestDatabase } from '@identity-store/testing';
import { Secret, TOTP } from 'otpauth';
import { TotpService } from './totp-service';

/**
 * TOTP secrets at rest, on real PostgreSQL: what someone with write access to the TOTP database
 * can (not) do with the stored ciphertexts. The identity and summary lookups are stand-ins; the
 * event store, the service and the encryption are the real ones.
 */

const policy = (name: string): TotpPolicy => ({
  name,
  issuer: 'Acme',
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  window: 0,
  maxFailedAttempts: 5,
  lockoutDuration: 'PT15M',
});
const at = '2026-11-30T10:00:00.000Z';
const store: Store = {
  id: 'store-1',
  name: 'acme',
  attributeSchema: null,
  passkeyConfigs: {},
  appkeyConfigs: {},
  totpPolicies: { first: policy('first'), second: policy('second') },
  passcodePolicies: {},
  pushNotificationPolicies: {},
  biometricPolicy: null,
  createdDtm: at,
  lastUpdatedDtm: at,
};
const identity: IdentityQueries = {
  getStoreByName: async (name) => (name === store.name ? store : null),
  getUser: async (_storeId, ref) => users.get('userId' in ref ? ref.userId : ref.extId) ?? null,
};
const summaries: SummaryQueries = emptySummaries;
const users = new Map<string, UserRecord>();
const newUser = (): UserRecord => {
  const user: UserRecord = {
    id: `user-${randomBytes(4).toString('hex')}`,
    storeId: store.id,
    extId: `ext-${randomBytes(4).toString('hex')}`,
    status: 'ACTIVE',
    attributes: {},
    createdDtm: at,
    lastUpdatedDtm: at,
  };
  users.set(user.id, user);
  return user;
};

const codeAt = (secretBase32: string, time: Date) =>
  new TOTP({ secret: Secret.fromBase32(secretBase32), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: time.getTime(),
  });

describe('TOTP secrets at rest (real PostgreSQL)', () => {
  const metadata = { correlationId: 'totp-at-rest' };
  const keyHex = generateSecretsKey();
  const secrets = new SecretBox(keyHex);
  let db: TestDatabase;
  let prisma: PrismaClient;
  let clock = new Date('2026-11-30T10:00:05.000Z');
  /** A service with an empty aggregate cache: it reads the stream as the database now holds it. */
  const freshService = () =>
    new TotpService(new PostgresEventStore(prisma), identity, summaries, secrets, () => clock);

  beforeAll(async () => {
    db = await createTestDatabase('totp_at_rest');
    prisma = createPrismaClient(db.url, { poolSize: 4 });
  });
  afterAll(async () => {
    await prisma.$disconnect();
    await db.drop();
  });

  const registered = async (service: TotpService, user: UserRecord, policyName: string) => {
    const started = await service.startRegistration({ storeName: store.name, ref: { userId: user.id }, metadata }, policyName);
    await service.completeRegistration({ storeName: store.name, ref: { userId: user.id }, metadata }, policyName, codeAt(started.secret, clock));
    return started;
  };

  const encryptedSecretOf = async (credentialId: string) =>
    (
      await db.query<{ secret: string }>(
        `SELECT data->>'encryptedSecret' AS secret FROM events WHERE type = 'TotpRegistrationStarted' AND data->>'credentialId' = $1`,
        [credentialId],
      )
    )[0]!.secret;
  const setEncryptedSecret = (credentialId: string, value: string) =>
    db.query(
      `UPDATE events SET data = jsonb_set(data, '{encryptedSecret}', to_jsonb($2::text)) WHERE type = 'TotpRegistrationStarted' AND data->>'credentialId' = $1`,
      [credentialId, value],
    );

  it('swapping the ciphertexts of two of one user’s credentials does not swap their secrets: neither decrypts', async () => {
    const user = newUser();
    const service = freshService();
    const first = await registered(service, user, 'first');
    const second = await registered(service, user, 'second');
    const [firstCipher, secondCipher] = [
      await encryptedSecretOf(first.id),
      await encryptedSecretOf(second.id),
    ];
    await setEncryptedSecret(first.id, secondCipher);
    await setEncryptedSecret(second.id, firstCipher);

    clock = new Date(clock.getTime() + 30_000);
    const swapped = freshService();
    // The exploit: the second credential's code would now authenticate the first credential.
    await expect(
      swapped.authenticate({ storeName: store.name, ref: { userId: user.id }, metadata }, 'first', { code: codeAt(second.secret, clock) }),
    ).rejects.toThrow();
    await expect(
      swapped.authenticate({ storeName: store.name, ref: { userId: user.id }, metadata }, 'first', { code: codeAt(first.secret, clock) }),
    ).rejects.toThrow();
    await expect(
      swapped.authenticate({ storeName: store.name, ref: { userId: user.id }, metadata }, 'second', { code: codeAt(first.secret, clock) }),
    ).rejects.toThrow();
  });

  it('a secret stored before key ids (v1, bound to the user id only) still authenticates', async () => {
    const user = newUser();
    const started = await freshService().startRegistration({ storeName: store.name, ref: { userId: user.id }, metadata }, 'first');
    // Rewrite the stored ciphertext as SecretBox v1 wrote it: AES-256-GCM, AAD = the user id.
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(keyHex, 'hex'), iv);
    cipher.setAAD(Buffer.from(user.id));
    const raw = Secret.fromBase32(started.secret).bytes;
    const body = Buffer.concat([cipher.update(raw), cipher.final(), cipher.getAuthTag()]);
    await setEncryptedSecret(started.id, `v1.${iv.toString('base64url')}.${body.toString('base64url')}`);

    const service = freshService();
    await service.completeRegistration({ storeName: store.name, ref: { userId: user.id }, metadata }, 'first', codeAt(started.secret, clock));
    clock = new Date(clock.getTime() + 30_000);
    const outcome = await service.authenticate({ storeName: store.name, ref: { userId: user.id }, metadata }, 'first', { code: codeAt(started.secret, clock) });
    expect(outcome.result).toBe('SUCCESS');
  });
});
