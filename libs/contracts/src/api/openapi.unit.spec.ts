import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { emptySummaryInfo } from '../identity/user';
import { buildOpenApiDocument, renderOpenApiJson } from './openapi';
import { apiKeyOperations, operations } from './operations';

/**
 * The authoritative list of the contract's operations (one `METHOD path` a line): a verbatim copy of
 * the spec's seed-endpoints.txt kept in the repository, so this test runs in every checkout.
 */
const SEED_ENDPOINTS = path.resolve(__dirname, 'seed-endpoints.txt');
const CHECKED_IN = path.resolve(__dirname, '../../../../docs/openapi.json');

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: ({ $ref: string } | Parameter)[];
  responses?: Record<string, unknown>;
  'x-implemented'?: boolean;
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: unknown;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

const doc = buildOpenApiDocument() as Doc;

/** `{storeName}`, `{extUserId}` … → `{}`: the seed spells the same parameter differently. */
const normalise = (template: string) => template.replace(/\{[^}]+\}/g, '{}');

/** Resolves a local JSON pointer (`#/a/b~1c`) in the document; undefined if it leads nowhere. */
const resolve = (ref: string): unknown => {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((part) => decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>(
      (node, part) =>
        node !== null && typeof node === 'object' && Object.hasOwn(node, part)
          ? (node as Doc)[part]
          : undefined,
      doc,
    );
};

const deref = <T>(node: T | { $ref: string }): T =>
  node && typeof node === 'object' && '$ref' in node ? (resolve(node.$ref) as T) : (node as T);

const allOperations = (): { method: string; path: string; operation: Operation }[] =>
  Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([p, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      return operation ? [{ method, path: p, operation }] : [];
    }),
  );

const collectRefs = (node: unknown, at: string, refs: { at: string; ref: string }[] = []) => {
  if (Array.isArray(node)) node.forEach((child, i) => collectRefs(child, `${at}/${i}`, refs));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') refs.push({ at, ref: value });
      else collectRefs(value, `${at}/${key}`, refs);
    }
  }
  return refs;
};

describe('buildOpenApiDocument', () => {
  it('is an OpenAPI 3.1 document with info, paths and components', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof doc.info.title).toBe('string');
    expect(typeof doc.info.version).toBe('string');
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
    for (const name of [
      'Store',
      'User',
      'SummaryInfo',
      'TotpPolicy',
      'TotpCredential',
      'AuthenticationAudit',
      'Problem',
    ])
      expect(doc.components.schemas).toHaveProperty(name);
  });

  it('is built once and cached', () => {
    expect(buildOpenApiDocument()).toBe(buildOpenApiDocument());
  });

  it('has well-formed paths and operations', () => {
    const declaredTags = new Set((doc.tags as { name: string }[]).map((tag) => tag.name));
    const problems: string[] = [];
    for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      if (!p.startsWith('/')) problems.push(`${p}: does not start with /`);
      for (const key of Object.keys(item))
        if (
          !(METHODS as readonly string[]).includes(key) &&
          !['summary', 'description', 'parameters', 'servers'].includes(key)
        )
          problems.push(`${p}: unexpected path item key ${key}`);
    }
    for (const { method, path: p, operation } of allOperations()) {
      const where = `${method.toUpperCase()} ${p}`;
      if (!operation.operationId) problems.push(`${where}: no operationId`);
      if (!operation.summary) problems.push(`${where}: no summary`);
      if (!operation.tags?.length || !operation.tags.every((tag) => declaredTags.has(tag)))
        problems.push(`${where}: tags ${operation.tags} not declared`);
      const statuses = Object.keys(operation.responses ?? {});
      if (statuses.length === 0) problems.push(`${where}: no responses`);
      for (const status of statuses)
        if (!/^([1-5]\d\d|default)$/.test(status)) problems.push(`${where}: status ${status}`);
      // Path parameters: exactly the template's, required.
      const parameters = (operation.parameters ?? []).map((parameter) => deref<Parameter>(parameter));
      const declared = parameters.filter((parameter) => parameter?.in === 'path');
      const templated = [...p.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      expect(declared.map((parameter) => parameter.name).sort()).toEqual([...templated].sort());
      for (const parameter of declared)
        if (parameter.required !== true) problems.push(`${where}: ${parameter.name} not required`);
      for (const requirement of operation.security ?? doc.security ?? [])
        for (const scheme of Object.keys(requirement))
          if (!doc.components.securitySchemes?.[scheme])
            problems.push(`${where}: unknown security scheme ${scheme}`);
    }
    expect(problems).toEqual([]);
  });

  it('resolves every $ref', () => {
    const refs = collectRefs(doc, '#');
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter(({ ref }) => resolve(ref) === undefined)).toEqual([]);
  });

  it('has no two templates that differ only in parameter names', () => {
    const shapes = Object.keys(doc.paths).map(normalise);
    expect(shapes.length).toBe(new Set(shapes).size);
  });

  it('documents every operation of the operation table and the token endpoint', () => {
    const documented = new Map(
      allOperations().map(({ method, path: p, operation }) => [`${method.toUpperCase()} ${p}`, operation]),
    );
    for (const op of [...operations, ...apiKeyOperations])
      expect({
        at: `${op.method} ${op.path}`,
        operationId: documented.get(`${op.method} ${op.path}`)?.operationId,
      }).toEqual({
        at: `${op.method} ${op.path}`,
        operationId: op.operationId,
      });
    expect(documented.get('POST /api/arthr/apiKeys/issue')?.operationId).toBe('issueToken');
    expect(documented.size).toBe(operations.length + apiKeyOperations.length + 1);
  });

  it('contains all 85 operations of the seed', () => {
    const seed = readFileSync(SEED_ENDPOINTS, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    expect(seed).toHaveLength(85);
    const documented = new Set(
      allOperations().map(({ method, path: p }) => `${method.toUpperCase()} ${normalise(p)}`),
    );
    const missing = seed.filter((line) => {
      const [method = '', template = ''] = line.split(/\s+/);
      return !documented.has(`${method.toUpperCase()} ${normalise(template)}`);
    });
    expect(missing).toEqual([]);
  });

  it('has unique operation ids', () => {
    const ids = allOperations().map(({ operation }) => operation.operationId);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it('gives implemented operations success responses and the others a 501', () => {
    const implemented = new Map(
      [...operations, ...apiKeyOperations].map((op) => [op.operationId, op.implemented]),
    );
    const problems: string[] = [];
    for (const { operation } of allOperations()) {
      const statuses = Object.keys(operation.responses ?? {});
      const success = statuses.filter((status) => /^2\d\d$/.test(status));
      const isImplemented = implemented.get(operation.operationId ?? '') ?? true; // issueToken
      if (isImplemented) {
        if (success.length === 0) problems.push(`${operation.operationId}: no success response`);
        if (statuses.includes('501')) problems.push(`${operation.operationId}: 501 although implemented`);
        if (operation['x-implemented'] === false)
          problems.push(`${operation.operationId}: x-implemented false`);
      } else {
        if (!statuses.includes('501')) problems.push(`${operation.operationId}: no 501`);
        if (success.length > 0) problems.push(`${operation.operationId}: invented success response`);
        if (!/501 Not Implemented/.test(operation.description ?? ''))
          problems.push(`${operation.operationId}: no 501 note`);
        if (operation['x-implemented'] !== false)
          problems.push(`${operation.operationId}: x-implemented not false`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('documents the passcode policy operations with the PasscodePolicy schema and its defaults', () => {
    const base = '/api/identity-store/stores/{storeName}/passcodePolicy';
    const create = doc.paths[base].post as Operation & Doc;
    // The create body is its own component since its durations are bounded (review M1); stored
    // policies (PasscodePolicy) may hold longer ones written before the bound.
    expect(create.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/CreatePasscodePolicyBody',
    });
    expect(doc.components.schemas.CreatePasscodePolicyBody.properties.lockoutDuration.description).toContain('at most `P10Y`');
    expect(Object.keys(create.responses ?? {})).toContain('201');
    const item = doc.paths[`${base}/{policyName}`];
    expect(item.get.responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/PasscodePolicy',
    });
    expect(item.post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/UpdatePasscodePolicyBody',
    });
    expect(item.delete.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Store' });
    const policy = doc.components.schemas.PasscodePolicy;
    expect(policy.required).toEqual(['name']);
    expect(policy.properties.srpGroup).toMatchObject({ default: 2048 });
    expect(policy.properties.hash).toMatchObject({ enum: ['SHA-256', 'SHA-512'], default: 'SHA-256' });
    expect(policy.properties.lockoutDuration).toMatchObject({ default: 'PT15M' });
  });

  it('documents the passkey configuration operations (implemented) with PasskeyConfig and its policies', () => {
    const base = '/api/identity-store/stores/{storeName}/passkeyConfig';
    const json = (node: Doc) => node.content['application/json'].schema;
    const create = doc.paths[base].post as Doc;
    expect(create.operationId).toBe('createPasskeyConfig');
    expect(json(create.requestBody)).toEqual({ $ref: '#/components/schemas/PasskeyConfig' });
    expect(json(create.responses['201'])).toEqual({ $ref: '#/components/schemas/Store' });
    const item = doc.paths[`${base}/{rpId}`];
    expect([item.get.operationId, item.post.operationId, item.delete.operationId]).toEqual([
      'getPasskeyConfig',
      'updatePasskeyConfig',
      'deletePasskeyConfig',
    ]);
    expect(json(item.get.responses['200'])).toEqual({ $ref: '#/components/schemas/PasskeyConfig' });
    expect(json(item.post.requestBody)).toEqual({ $ref: '#/components/schemas/UpdatePasskeyConfigBody' });
    expect(json(item.delete.responses['200'])).toEqual({ $ref: '#/components/schemas/Store' });
    for (const operation of [create, item.get, item.post, item.delete]) {
      expect(operation['x-implemented']).toBeUndefined();
      expect(Object.keys(operation.responses)).not.toContain('501');
    }
    const config = doc.components.schemas.PasskeyConfig;
    expect(config.required).toEqual(['rpId', 'rpName', 'origins']);
    expect(config.properties.registrationPolicies.additionalProperties).toEqual({
      $ref: '#/components/schemas/PasskeyRegistrationPolicy',
    });
    const registration = doc.components.schemas.PasskeyRegistrationPolicy.properties;
    expect(registration.attestation).toMatchObject({ enum: ['none', 'indirect', 'direct', 'enterprise'], default: 'none' });
    expect(registration.hints).toMatchObject({ items: { enum: ['security-key', 'client-device', 'hybrid'] }, default: [] });
    const authentication = doc.components.schemas.PasskeyAuthenticationPolicy.properties;
    expect(authentication.timeout).toMatchObject({ default: 300000 });
    expect(doc.components.schemas.Store.properties.passkeyConfigs.additionalProperties).toEqual({
      $ref: '#/components/schemas/PasskeyConfig',
    });
    expect(Object.keys(doc['x-events'].topics['identity-store.identity'].events)).toEqual(
      expect.arrayContaining(['PasskeyConfigSet', 'PasskeyConfigRemoved']),
    );
  });

  it('documents the passkey ceremonies (implemented) with the WebAuthn JSON and the passkey events', () => {
    const S = '/api/identity-store/stores/{storeName}';
    const json = (node: Doc) => node.content['application/json'].schema;
    const start = doc.paths[`${S}/users/{userId}/passkeys/relyingParties/{rpId}/registrations/{regPolicyName}`].post as Doc;
    expect(json(start.responses['201'])).toEqual({ $ref: '#/components/schemas/PasskeyRegistrationStartResponse' });
    const options = doc.components.schemas.PublicKeyCredentialCreationOptionsJSON.properties;
    expect(options.hints.items).toMatchObject({ enum: ['security-key', 'client-device', 'hybrid'] });
    const complete = doc.paths[`${S}/passkeys/authentications/sessions/{sessionId}`].post as Doc;
    expect(json(complete.requestBody)).toEqual({ $ref: '#/components/schemas/CompletePasskeyAuthenticationBody' });
    expect(json(complete.responses['400'])).toEqual({ $ref: '#/components/schemas/PasskeyAuthenticationResponse' });
    const oneCall = doc.paths[`${S}/passkeys/registrations`].post as Doc;
    expect(json(oneCall.responses['200'])).toEqual({ $ref: '#/components/schemas/User' });
    const audit = doc.paths[`${S}/users/{userId}/passkeys/{id}/registrationAudit`].get as Doc;
    expect([audit['x-service'], json(audit.responses['200'])]).toEqual([
      'audit',
      { $ref: '#/components/schemas/RegistrationAudit' },
    ]);
    for (const operation of operations.filter((op) => op.path.includes('/passkeys')))
      expect([operation.operationId, operation.implemented]).toEqual([operation.operationId, true]);
    const events = doc['x-events'].topics['identity-store.passkey'].events;
    expect(Object.keys(events)).toEqual(
      expect.arrayContaining(['PasskeyRegistrationCompleted', 'PasskeyAuthenticationSucceeded', 'PasskeyAuthenticationFailed']),
    );
    const registered = resolve(events.PasskeyRegistrationCompleted.data.$ref) as Doc;
    expect(Object.keys(registered.properties)).toEqual(expect.arrayContaining(['aaguid', 'attestationFormat', 'hints']));
    expect(Object.keys(registered.properties)).not.toContain('publicKey');
    expect(Object.keys(registered.properties)).not.toContain('sessionId');
  });

  it('answers problems as application/problem+json with the Problem schema', () => {
    const problems: string[] = [];
    for (const { operation } of allOperations())
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (Number(status) < 400) continue;
        const content = deref<{ content?: Record<string, { schema?: { $ref?: string } }> }>(
          response as never,
        ).content;
        if (content?.['application/problem+json']?.schema?.$ref !== '#/components/schemas/Problem')
          problems.push(`${operation.operationId} ${status}`);
      }
    expect(problems).toEqual([]);
  });

  it('requires a bearer token everywhere but on the token endpoint and the public operations', () => {
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.components.securitySchemes.bearer).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    const issue = doc.paths['/api/arthr/apiKeys/issue'].post as Operation;
    expect(issue.security?.some((requirement) => 'bearer' in requirement)).toBe(false);
    const withOwnSecurity = allOperations().filter(({ operation }) => operation.security !== undefined);
    expect(withOwnSecurity.map(({ operation }) => operation.operationId)).toEqual(['issueToken', 'getTrustedFacets']);
    // The TrustedFacets list UAF clients fetch: no token, so no 401/403, in its own media type.
    const facets = doc.paths['/api/identity-store/public/stores/{storeName}/appkeys/{rpId}/facets'].get as Operation;
    expect(facets.security).toEqual([]);
    const responses = facets.responses ?? {};
    expect(Object.keys(responses)).not.toEqual(expect.arrayContaining(['401']));
    expect(Object.keys(responses)).not.toEqual(expect.arrayContaining(['403']));
    expect(Object.keys((responses['200'] as { content: object }).content)).toEqual(['application/fido.trusted-apps+json']);
  });

  it('documents the Kafka topics and the event envelope', () => {
    const events = doc['x-events'];
    expect(resolve(events.envelope.$ref)).toBeDefined();
    expect(Object.keys(events.topics)).toEqual(
      expect.arrayContaining(['identity-store.identity', 'identity-store.totp', 'identity-store.passcode']),
    );
    expect(Object.keys(events.topics['identity-store.totp'].events)).toEqual(
      expect.arrayContaining(['TotpRegistrationStarted', 'TotpAuthenticationFailed']),
    );
    const started = resolve(
      events.topics['identity-store.totp'].events.TotpRegistrationStarted.data.$ref,
    ) as Doc;
    expect(Object.keys(started.properties)).not.toContain('encryptedSecret');
    expect(doc.info.description).toContain('identity-store.totp');
  });

  it('has component schemas that are valid JSON Schema and accept real resources', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const id = 'https://identity-store.local/openapi.json';
    ajv.addSchema({ $id: id, components: { schemas: doc.components.schemas } });
    for (const name of Object.keys(doc.components.schemas))
      expect(() => ajv.getSchema(`${id}#/components/schemas/${name}`)).not.toThrow();
    const dtm = '2026-05-07T10:00:00.000Z';
    const user = {
      id: 'u1',
      extId: 'alice',
      status: 'ACTIVE',
      attributes: {},
      summaryInfo: emptySummaryInfo(),
      createdDtm: dtm,
      lastUpdatedDtm: dtm,
    };
    const passcodePolicySample = {
      name: 'default',
      protocol: 'SRP',
      srpGroup: 2048,
      hash: 'SHA-256',
      clientRules: { minLength: 8, maxLength: 64, requireDigit: false, requireLetter: false, requireSymbol: false },
      validity: 'P90D',
      renewalWindow: 'P7D',
      maxFailedAttempts: 5,
      lockoutDuration: 'PT15M',
    };
    const passkeyConfigSample = {
      rpId: 'example.com',
      rpName: 'Example',
      origins: ['https://example.com', 'https://login.example.com'],
      registrationPolicies: {
        default: {
          attestation: 'none',
          residentKey: 'required',
          userVerification: 'preferred',
          authenticatorAttachment: 'platform',
          hints: ['client-device', 'hybrid'],
        },
      },
      authenticationPolicies: { default: { userVerification: 'required', hints: [], timeout: 300000 } },
    };
    const samples: Record<string, unknown> = {
      User: user,
      PasskeyConfig: passkeyConfigSample,
      PasscodePolicy: { ...passcodePolicySample, validity: null, renewalWindow: null },
      Store: {
        id: 's1',
        name: 'acme',
        attributeSchema: null,
        passkeyConfigs: { 'example.com': passkeyConfigSample },
        appkeyConfigs: {},
        totpPolicies: {
          default: {
            name: 'default',
            issuer: 'ACME',
            algorithm: 'SHA1',
            digits: 6,
            period: 30,
            window: 1,
            maxFailedAttempts: 5,
            lockoutDuration: 'PT15M',
          },
        },
        passcodePolicies: { default: passcodePolicySample },
        pushNotificationPolicies: {},
        biometricPolicy: null,
        createdDtm: dtm,
        lastUpdatedDtm: dtm,
      },
      TotpAuthenticationResponse: { result: 'FAILURE', authenticationId: 'a1', reason: 'INVALID_CODE', user },
      Problem: {
        type: 'about:blank',
        title: 'Not Implemented',
        status: 501,
        detail: 'x',
        code: 'NOT_IMPLEMENTED',
        operationId: 'getPasscode',
      },
    };
    for (const [name, sample] of Object.entries(samples)) {
      const validate = ajv.getSchema(`${id}#/components/schemas/${name}`);
      if (!validate) throw new Error(`no schema ${name}`);
      expect({ name, valid: validate(sample), errors: validate.errors ?? null }).toEqual({
        name,
        valid: true,
        errors: null,
      });
    }
  });

  it('is what docs/openapi.json holds (run `npm run openapi` after a change)', () => {
    expect(existsSync(CHECKED_IN)).toBe(true);
    expect(readFileSync(CHECKED_IN, 'utf8')).toBe(renderOpenApiJson());
  });
  it('documents nullable named schemas so that null validates (a passkey config update removes a policy with null)', () => {
    const ajv = addFormats(new Ajv2020({ strict: false }));
    ajv.addSchema({ ...doc, $id: 'https://identity-store.test/openapi.json' });
    const validate = ajv.getSchema('https://identity-store.test/openapi.json#/components/schemas/UpdatePasskeyConfigBody');
    expect(validate?.({ registrationPolicies: { old: null }, authenticationPolicies: { old: null } })).toBe(true);
    expect(validate?.({ registrationPolicies: { old: 'not a policy' } })).toBe(false);
  });
  it('keeps a named schema that is also held nullable non-nullable itself (the Store’s biometricPolicy)', () => {
    const ajv = addFormats(new Ajv2020({ strict: false }));
    ajv.addSchema({ ...doc, $id: 'https://identity-store.test/openapi.json' });
    const schema = (name: string) => ajv.getSchema(`https://identity-store.test/openapi.json#/components/schemas/${name}`);
    const policy = { matchThreshold: 0.6, livenessRequired: false, livenessThreshold: 0.5, maxFailedAttempts: 5, lockoutDuration: 'PT15M', minFaceSize: 64 };
    // GET …/biometricPolicy answers a policy, never null; a Store and a store body may hold null.
    expect([schema('BiometricPolicy')?.(policy), schema('BiometricPolicy')?.(null)]).toEqual([true, false]);
    expect([schema('BiometricPolicyBody')?.({}), schema('BiometricPolicyBody')?.(null)]).toEqual([true, false]);
    expect(schema('UpdateStoreBody')?.({ biometricPolicy: null })).toBe(true);
    expect(schema('UpdateStoreBody')?.({ biometricPolicy: { matchThreshold: 2 } })).toBe(false);
  });
});
