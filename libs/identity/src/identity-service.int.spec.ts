import { DomainError } from '@identity-store/contracts';
import { generateSecretsKey, SecretBox } from '@identity-store/crypto';
import { createPrismaClient, PostgresEventStore } from '@identity-store/event-store';
import { createTestDatabase, type TestDatabase, uniqueName } from '@identity-store/testing';
import type { PrismaClient } from '@identity-store/event-store';
import { IdentityService } from './identity-service';

/**
 * Attribute schemas stored before review M2's rules, on real PostgreSQL: the store state comes back
 * from jsonb with its keys reordered, and every user command answers a problem (a DomainError), never
 * an unexpected error (a 500). The service itself does not check new schemas (the route does), so
 * creating stores through it is how such stores came to exist.
 */
describe('IdentityService with attribute schemas stored before the M2 rules (PostgreSQL)', () => {
  let database: TestDatabase;
  let prisma: PrismaClient;
  /** A service with cold caches: every store and user is folded from what PostgreSQL returns. */
  const freshService = () => new IdentityService(new PostgresEventStore(prisma), new SecretBox(generateSecretsKey()));
  const request = { metadata: { correlationId: 'int-m2' } };

  beforeAll(async () => {
    database = await createTestDatabase('identity_m2');
    prisma = createPrismaClient(database.url, { poolSize: 4 });
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await database?.drop();
  });

  const sharedId = 'https://tenant.example/attributes';
  // Keys not in jsonb's order (shorter keys first), so a reload returns them reordered.
  const schemaA = {
    additionalProperties: false,
    properties: { nickname: { type: 'string', pattern: '^(a+)+$' }, email: { type: 'string', format: 'email' } },
    required: ['email'],
    type: 'object',
    $id: sharedId,
  };
  const schemaB = { $id: sharedId, type: 'object', required: ['employeeNo'], properties: { employeeNo: { type: 'integer' } } };

  const domainErrorOf = async (run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      return error as DomainError;
    }
    throw new Error('expected a DomainError');
  };

  it('two stores declaring the same $id each keep their own rules, also after a reload that reorders keys', async () => {
    const storeA = uniqueName('m2_a');
    const storeB = uniqueName('m2_b');
    await freshService().createStore({ name: storeA, attributeSchema: schemaA, totpPolicies: [], passcodePolicies: [], passkeyConfigs: [] }, request);
    await freshService().createStore({ name: storeB, attributeSchema: schemaB, totpPolicies: [], passcodePolicies: [], passkeyConfigs: [] }, request);

    const service = freshService();
    const { value: loadedA } = await service.requireStore(storeA);
    // jsonb orders keys by length: the reloaded schema is the same document in another order.
    expect(loadedA.attributeSchema).toEqual(schemaA);
    expect(Object.keys(loadedA.attributeSchema!)).not.toEqual(Object.keys(schemaA));

    for (let round = 0; round < 2; round++) {
      const user = await service.createUser(storeA, { extId: `alice${round}`, status: 'ACTIVE', attributes: { email: 'a@example.com', nickname: 'a'.repeat(48) } }, request);
      const refused = await domainErrorOf(() =>
        service.createUser(storeA, { extId: `bad${round}`, status: 'ACTIVE', attributes: { employeeNo: 7, nickname: `${'a'.repeat(48)}!` } }, request),
      );
      expect(refused).toMatchObject({ kind: 'validation', code: 'ATTRIBUTES_INVALID' });
      expect(refused.errors?.map((e) => e.path).sort()).toEqual(['body.attributes', 'body.attributes', 'body.attributes.nickname']);
      await service.changeUser(storeA, { userId: user.value.id }, { type: 'UpdateUser', attributes: { email: 'b@example.com' } }, request);
      await service.changeUser(storeA, { userId: user.value.id }, { type: 'DeleteUser' }, request);
    }
    const bob = await freshService().createUser(storeB, { extId: 'bob', status: 'ACTIVE', attributes: { employeeNo: 7 } }, request);
    expect(bob.value.attributes).toEqual({ employeeNo: 7 });
  });

  it('a stored schema that references another store’s $id, or applies itself without end: user writes that check attributes are 409, others work', async () => {
    for (const attributeSchema of [{ $ref: sharedId }, { type: 'object', allOf: [{ $ref: '#' }] }]) {
      const storeName = uniqueName('m2_c');
      const service = freshService();
      await service.createStore({ name: storeName, attributeSchema: null, totpPolicies: [], passcodePolicies: [], passkeyConfigs: [] }, request);
      const carol = await service.createUser(storeName, { extId: 'carol', status: 'ACTIVE', attributes: {} }, request);
      await service.changeStore(storeName, { type: 'UpdateStore', attributeSchema }, request);

      const reloaded = freshService();
      const created = await domainErrorOf(() => reloaded.createUser(storeName, { extId: 'dave', status: 'ACTIVE', attributes: {} }, request));
      expect(created).toMatchObject({ kind: 'conflict', code: 'ATTRIBUTE_SCHEMA_UNUSABLE' });
      const updated = await domainErrorOf(() =>
        reloaded.changeUser(storeName, { userId: carol.value.id }, { type: 'UpdateUser', attributes: { x: 1 } }, request),
      );
      expect(updated).toMatchObject({ kind: 'conflict', code: 'ATTRIBUTE_SCHEMA_UNUSABLE' });
      const suspended = await reloaded.changeUser(storeName, { userId: carol.value.id }, { type: 'UpdateUser', status: 'DISABLED' }, request);
      expect(suspended.value.status).toBe('DISABLED');
      await reloaded.changeUser(storeName, { userId: carol.value.id }, { type: 'DeleteUser' }, request);
      expect(await reloaded.getUser(carol.value.storeId, { userId: carol.value.id })).toBeNull();
    }
  });
});
