import { issuesOf } from '@identity-store/testing';
import { PasskeyConfigRemoved, PasskeyConfigSet } from './identity-integration-events';
import {
  createStoreBodySchema,
  isDomainName,
  originMatchesRpId,
  passkeyAuthenticationPolicySchema,
  passkeyConfigSchema,
  passkeyPolicyDefaults,
  passkeyRegistrationPolicySchema,
  storeSchema,
  updatePasskeyConfigBodySchema,
  updateStoreBodySchema,
} from './store';


const minimal = { rpId: 'example.com', rpName: 'Example', origins: ['https://example.com'] };
const ORIGIN_FORMAT =
  'must be an origin such as https://login.example.com (https, or http only for localhost; a domain name, ' +
  'an optional port, no path or trailing slash)';
const RP_ID_FORMAT = 'must be a lowercase domain name such as example.com (no scheme, port or path)';
const POLICY_NAME = 'policy name must be 1–20 letters, digits or hyphens';

describe('PasskeyConfig schema: defaults', () => {
  it('takes rpId, rpName and origins; policies default to none', () => {
    expect(passkeyConfigSchema.parse(minimal)).toEqual({ ...minimal, registrationPolicies: {}, authenticationPolicies: {} });
  });

  it('fills every omitted policy field with the documented default', () => {
    expect(passkeyPolicyDefaults).toEqual({
      registration: { attestation: 'none', residentKey: 'preferred', userVerification: 'preferred', hints: [] },
      authentication: { userVerification: 'preferred', hints: [], timeout: 300_000 },
    });
    const config = passkeyConfigSchema.parse({ ...minimal, registrationPolicies: { default: {} }, authenticationPolicies: { default: {} } });
    // No authenticatorAttachment (any authenticator) and no timeout unless given.
    expect(config.registrationPolicies.default).toEqual({
      attestation: 'none',
      residentKey: 'preferred',
      userVerification: 'preferred',
      hints: [],
    });
    expect(config.authenticationPolicies.default).toEqual({ userVerification: 'preferred', hints: [], timeout: 300_000 });
  });

  it('does not share the default hints between policies', () => {
    const a = passkeyRegistrationPolicySchema.parse({});
    const b = passkeyRegistrationPolicySchema.parse({});
    a.hints.push('hybrid');
    expect(b.hints).toEqual([]);
    expect(passkeyRegistrationPolicySchema.parse({}).hints).toEqual([]);
  });

  it('accepts every allowed value', () => {
    for (const attestation of ['none', 'indirect', 'direct', 'enterprise'])
      for (const residentKey of ['discouraged', 'preferred', 'required'])
        for (const authenticatorAttachment of ['platform', 'cross-platform'])
          expect(
            passkeyRegistrationPolicySchema.safeParse({
              attestation,
              residentKey,
              userVerification: residentKey,
              authenticatorAttachment,
              timeout: 60_000,
            }).success,
          ).toBe(true);
    expect(passkeyAuthenticationPolicySchema.safeParse({ userVerification: 'required', timeout: 10_000 }).success).toBe(true);
    expect(passkeyAuthenticationPolicySchema.safeParse({ timeout: 600_000 }).success).toBe(true);
  });
});

describe('PasskeyConfig schema: policy names', () => {
  const withName = (name: string) => passkeyConfigSchema.safeParse({ ...minimal, registrationPolicies: { [name]: {} } });

  it('accepts up to 20 letters, digits or hyphens', () => {
    for (const name of ['a', 'default', 'Platform-Only-2', 'x'.repeat(20), '-', '123'])
      expect([name, withName(name).success]).toEqual([name, true]);
  });

  it('rejects longer names and any other character, in both kinds of policies', () => {
    for (const name of ['x'.repeat(21), 'with space', 'under_score', 'dot.ted', 'ümlaut', ''])
      expect([name, issuesOf(withName(name))]).toEqual([name, [`registrationPolicies.${name}: ${POLICY_NAME}`]]);
    expect(issuesOf(passkeyConfigSchema.safeParse({ ...minimal, authenticationPolicies: { 'no/slash': {} } }))).toEqual([
      `authenticationPolicies.no/slash: ${POLICY_NAME}`,
    ]);
  });
});

describe('PasskeyConfig schema: hints', () => {
  const hintsOf = (hints: unknown) => passkeyAuthenticationPolicySchema.safeParse({ hints });

  it('keeps the order given (decreasing preference) and accepts any subset, or none', () => {
    expect(passkeyAuthenticationPolicySchema.parse({ hints: ['hybrid', 'security-key', 'client-device'] }).hints).toEqual([
      'hybrid',
      'security-key',
      'client-device',
    ]);
    expect(passkeyRegistrationPolicySchema.parse({ hints: ['client-device', 'hybrid'] }).hints).toEqual(['client-device', 'hybrid']);
    expect(hintsOf([]).success).toBe(true);
    expect(hintsOf(['security-key']).success).toBe(true);
  });

  it('rejects unknown hints and repeated ones, naming each bad entry', () => {
    expect(issuesOf(hintsOf(['usb']))).toEqual(['hints.0: Invalid option: expected one of "security-key"|"client-device"|"hybrid"']);
    expect(issuesOf(hintsOf(['hybrid', 'hybrid']))).toEqual(['hints.1: repeats the hint hybrid']);
    // Both at once: the duplicate is named even next to an unknown hint.
    expect(issuesOf(hintsOf(['hybrid', 'Hybrid', 'security-key', 'hybrid']))).toEqual([
      'hints.1: Invalid option: expected one of "security-key"|"client-device"|"hybrid"',
      'hints.3: repeats the hint hybrid',
    ]);
    expect(issuesOf(hintsOf('hybrid'))).toEqual(['hints: Invalid input: expected array, received string']);
  });
});

describe('PasskeyConfig schema: rpId and origins', () => {
  it('accepts lowercase domain names as rpId', () => {
    for (const rpId of ['example.com', 'login.example.co.uk', 'localhost', 'xn--bcher-kva.de', 'a-b.c0', `${'a'.repeat(63)}.com`])
      expect([rpId, isDomainName(rpId)]).toEqual([rpId, true]);
  });

  it('rejects anything else as rpId', () => {
    const bad = [
      '',
      'Example.com',
      'https://example.com',
      'example.com:443',
      'example.com/path',
      'example.com.',
      '.example.com',
      'a..b',
      '-bad.com',
      'bad-.com',
      'under_score.com',
      '127.0.0.1',
      'bücher.de',
      `${'a'.repeat(64)}.com`,
      `${'abcdefghi.'.repeat(26)}com`,
    ];
    for (const rpId of bad) {
      expect([rpId, isDomainName(rpId)]).toEqual([rpId, false]);
      expect(issuesOf(passkeyConfigSchema.safeParse({ ...minimal, rpId, origins: ['https://x.example.com'] }))).toEqual([
        `rpId: ${RP_ID_FORMAT}`,
      ]);
    }
  });

  it('accepts https origins on the rpId or a subdomain, with a port, and http://localhost for development', () => {
    const ok = passkeyConfigSchema.safeParse({
      ...minimal,
      origins: ['https://example.com', 'https://login.example.com', 'https://a.b.example.com:8443'],
    });
    expect(ok.success).toBe(true);
    const local = passkeyConfigSchema.safeParse({
      rpId: 'localhost',
      rpName: 'Dev',
      origins: ['http://localhost', 'http://localhost:3000', 'https://localhost:8443', 'http://app.localhost:5173'],
    });
    expect(local.success).toBe(true);
  });

  it('rejects what is not a serialised https origin (http only for localhost)', () => {
    const bad = [
      'http://example.com',
      'https://example.com/',
      'https://example.com/login',
      'https://example.com?x=1',
      'https://example.com#x',
      'https://EXAMPLE.com',
      'https://example.com:443',
      'https://user@example.com',
      'ftp://example.com',
      'example.com',
      'https://127.0.0.1',
      'http://127.0.0.1:3000',
      'not a url',
    ];
    for (const origin of bad)
      expect([origin, issuesOf(passkeyConfigSchema.safeParse({ ...minimal, origins: [origin] }))]).toEqual([
        origin,
        [`origins.0: ${ORIGIN_FORMAT}`],
      ]);
  });

  it('requires each origin host to be the rpId or a subdomain of it (WebAuthn), and each origin once', () => {
    expect(originMatchesRpId('https://login.example.com', 'example.com')).toBe(true);
    expect(originMatchesRpId('https://notexample.com', 'example.com')).toBe(false);
    expect(originMatchesRpId('https://example.com', 'login.example.com')).toBe(false);
    const result = passkeyConfigSchema.safeParse({
      ...minimal,
      rpId: 'login.example.com',
      origins: [
        'https://login.example.com',
        'https://example.com', // the parent of the rpId
        'https://notexample.com',
        'https://example.com.evil.com',
        'https://login.example.com', // again
        'https://a.login.example.com',
      ],
    });
    expect(issuesOf(result)).toEqual([
      'origins.1: host must be login.example.com or a subdomain of it',
      'origins.2: host must be login.example.com or a subdomain of it',
      'origins.3: host must be login.example.com or a subdomain of it',
      'origins.4: repeats the origin https://login.example.com',
    ]);
  });

  it('requires at least one origin and an rpName', () => {
    expect(issuesOf(passkeyConfigSchema.safeParse({ rpId: 'example.com', rpName: '', origins: [] }))).toEqual([
      'origins: Too small: expected array to have >=1 items',
      'rpName: Too small: expected string to have >=1 characters',
    ]);
    expect(issuesOf(passkeyConfigSchema.safeParse({}))).toEqual([
      'origins: Invalid input: expected array, received undefined',
      'rpId: Invalid input: expected string, received undefined',
      'rpName: Invalid input: expected string, received undefined',
    ]);
  });
});

describe('PasskeyConfig schema: a whole bad configuration', () => {
  it('names every bad field at once', () => {
    const result = passkeyConfigSchema.safeParse({
      rpId: 'example.com',
      rpName: 7,
      origins: ['https://example.com', 'https://evil.com', 'http://example.com'],
      registrationPolicies: {
        'name-far-too-long-for-this': {},
        strict: {
          attestation: 'full',
          residentKey: 'always',
          userVerification: 'maybe',
          authenticatorAttachment: 'usb',
          hints: ['hybrid', 'hybrid'],
          timeout: 1000,
          extra: true,
        },
      },
      authenticationPolicies: { default: { userVerification: 'never', hints: ['nfc'], timeout: 600_001 } },
      appId: 'legacy',
    });
    expect(issuesOf(result)).toEqual([
      ': Unrecognized key: "appId"',
      'authenticationPolicies.default.hints.0: Invalid option: expected one of "security-key"|"client-device"|"hybrid"',
      'authenticationPolicies.default.timeout: Too big: expected number to be <=600000',
      'authenticationPolicies.default.userVerification: Invalid option: expected one of "discouraged"|"preferred"|"required"',
      'origins.1: host must be example.com or a subdomain of it',
      `origins.2: ${ORIGIN_FORMAT}`,
      `registrationPolicies.name-far-too-long-for-this: ${POLICY_NAME}`,
      'registrationPolicies.strict.attestation: Invalid option: expected one of "none"|"indirect"|"direct"|"enterprise"',
      'registrationPolicies.strict.authenticatorAttachment: Invalid option: expected one of "platform"|"cross-platform"',
      'registrationPolicies.strict.hints.1: repeats the hint hybrid',
      'registrationPolicies.strict.residentKey: Invalid option: expected one of "discouraged"|"preferred"|"required"',
      'registrationPolicies.strict.timeout: Too small: expected number to be >=10000',
      'registrationPolicies.strict.userVerification: Invalid option: expected one of "discouraged"|"preferred"|"required"',
      'registrationPolicies.strict: Unrecognized key: "extra"',
      'rpName: Invalid input: expected string, received number',
    ]);
  });
});

describe('passkey configurations in request bodies and the Store', () => {
  it('update body: any subset of the fields but rpId; null removes a named policy', () => {
    expect(updatePasskeyConfigBodySchema.parse({})).toEqual({});
    expect(
      updatePasskeyConfigBodySchema.parse({ registrationPolicies: { old: null, added: {} }, authenticationPolicies: { gone: null } }),
    ).toEqual({
      registrationPolicies: { old: null, added: passkeyRegistrationPolicySchema.parse({}) },
      authenticationPolicies: { gone: null },
    });
    expect(issuesOf(updatePasskeyConfigBodySchema.safeParse({ rpId: 'other.com', origins: [], rpName: null }))).toEqual([
      ': Unrecognized key: "rpId"',
      'origins: Too small: expected array to have >=1 items',
      'rpName: Invalid input: expected string, received null',
    ]);
  });

  it('store bodies take passkeyConfigs keyed by rpId; a given rpId must equal its key; origins checked against the key', () => {
    const ok = createStoreBodySchema.safeParse({
      name: 'acme',
      passkeyConfigs: {
        'acme.example': { rpName: 'ACME', origins: ['https://acme.example', 'https://id.acme.example'] },
        'other.example': { rpId: 'other.example', rpName: 'Other', origins: ['https://other.example'] },
      },
    });
    expect(ok.success).toBe(true);
    expect(ok.data?.passkeyConfigs?.['acme.example']).toEqual({
      rpName: 'ACME',
      origins: ['https://acme.example', 'https://id.acme.example'],
      registrationPolicies: {},
      authenticationPolicies: {},
    });
    const bad = updateStoreBodySchema.safeParse({
      passkeyConfigs: {
        'acme.example': { rpId: 'other.example', rpName: 'ACME', origins: ['https://evil.example'], registrationPolicies: { 'a b': {} } },
        'Not A Domain': { rpName: 'x', origins: ['https://x.example'] },
      },
    });
    expect(issuesOf(bad)).toEqual([
      'passkeyConfigs.Not A Domain: rpId must be a lowercase domain name such as example.com',
      'passkeyConfigs.acme.example.origins.0: host must be acme.example or a subdomain of it',
      `passkeyConfigs.acme.example.registrationPolicies.a b: ${POLICY_NAME}`,
      'passkeyConfigs.acme.example.rpId: must equal its key',
    ]);
  });

  it('the Store holds passkeyConfigs keyed by rpId, each a PasskeyConfig', () => {
    const dtm = '2026-05-07T10:00:00.000Z';
    const config = passkeyConfigSchema.parse(minimal);
    const store = {
      id: 's1',
      name: 'acme',
      attributeSchema: null,
      passkeyConfigs: { 'example.com': config },
      appkeyConfigs: {},
      totpPolicies: {},
      passcodePolicies: {},
      pushNotificationPolicies: {},
      biometricPolicy: null,
      createdDtm: dtm,
      lastUpdatedDtm: dtm,
    };
    expect(storeSchema.parse(store).passkeyConfigs).toEqual({ 'example.com': config });
    expect(storeSchema.safeParse({ ...store, passkeyConfigs: { 'example.com': { ...config, origins: ['ftp://x'] } } }).success).toBe(false);
  });

  it('events carry the whole configuration (checked) or the removed rpId', () => {
    const at = '2026-05-07T10:00:00.000Z';
    const config = passkeyConfigSchema.parse(minimal);
    expect(PasskeyConfigSet.create({ storeId: 's1', config, at })).toEqual({ type: 'PasskeyConfigSet', data: { storeId: 's1', config, at } });
    expect(PasskeyConfigSet.version).toBe(1);
    expect(() => PasskeyConfigSet.create({ storeId: 's1', config: { ...config, rpId: 'evil.com' }, at })).toThrow(
      /host must be evil.com or a subdomain of it/,
    );
    expect(PasskeyConfigRemoved.create({ storeId: 's1', rpId: 'example.com', at }).data).toEqual({ storeId: 's1', rpId: 'example.com', at });
    expect(PasskeyConfigRemoved.version).toBe(1);
  });
});
