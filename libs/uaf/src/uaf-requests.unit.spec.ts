import {
  UafError,
  authenticationRequestSchema,
  buildAuthenticationRequest,
  buildDeregistrationRequest,
  buildRegistrationRequest,
  deregistrationRequestSchema,
  isValidFacetId,
  newChallenge,
  registrationRequestSchema,
} from './index';
import { sameFacet } from './facets';
import { uafMessageSchema } from './uaf-messages';
import { ANY_POLICY, APP_ID } from './testing/uaf-spec-ceremonies';

const KEY_ID = Buffer.alloc(32, 7).toString('base64url');
const registrationInput = {
  appID: APP_ID,
  serverData: 'opaque-session',
  challenge: newChallenge(),
  username: 'user-1',
  policy: ANY_POLICY,
};

const problem = (action: () => unknown) => {
  try {
    action();
  } catch (error) {
    if (error instanceof UafError) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('no UafError thrown');
};

describe('newChallenge', () => {
  it('is 32 random bytes, base64url (ServerChallenge, UAF Protocol §3.1.6)', () => {
    const challenges = new Set(Array.from({ length: 100 }, newChallenge));
    expect(challenges.size).toBe(100);
    for (const challenge of challenges)
      expect(Buffer.from(challenge, 'base64url').toString('base64url')).toBe(challenge);
    expect(Buffer.from([...challenges][0]!, 'base64url')).toHaveLength(32);
  });
});

describe('buildRegistrationRequest (UAF Protocol §3.4.1)', () => {
  it('writes one RegistrationRequest of upv 1.1 and op "Reg"', () => {
    const message = JSON.parse(buildRegistrationRequest(registrationInput));
    expect(message).toEqual([
      {
        header: { upv: { major: 1, minor: 1 }, op: 'Reg', appID: APP_ID, serverData: 'opaque-session' },
        challenge: registrationInput.challenge,
        username: 'user-1',
        policy: ANY_POLICY,
      },
    ]);
    expect(uafMessageSchema(registrationRequestSchema).safeParse(message).success).toBe(true);
  });

  it('leaves out an empty appID, so the client uses its FacetID (§3.1.3)', () => {
    expect(JSON.parse(buildRegistrationRequest({ ...registrationInput, appID: '' }))[0].header).toEqual({
      upv: { major: 1, minor: 1 },
      op: 'Reg',
      serverData: 'opaque-session',
    });
  });

  it('lists the keys already registered in policy.disallowed', () => {
    const policy = { ...ANY_POLICY, disallowed: [{ aaid: ['FFFF#0001'], keyIDs: [KEY_ID] }] };
    expect(
      JSON.parse(buildRegistrationRequest({ ...registrationInput, policy }))[0].policy.disallowed,
    ).toEqual(policy.disallowed);
  });

  it.each<[string, Partial<typeof registrationInput>, RegExp]>([
    ['a challenge of 7 bytes', { challenge: Buffer.alloc(7).toString('base64url') }, /challenge/],
    ['a padded challenge', { challenge: `${newChallenge()}=` }, /challenge/],
    ['an empty username', { username: '' }, /username/],
    ['a username of 129 characters', { username: 'u'.repeat(129) }, /username/],
    ['an empty serverData', { serverData: '' }, /serverData/],
    ['an appID of 513 characters', { appID: `https://${'a'.repeat(505)}` }, /appID/],
    ['an empty accepted list', { policy: { accepted: [] } }, /policy\.accepted/],
    ['an empty accepted set', { policy: { accepted: [[]] } }, /policy\.accepted\.0/],
    [
      'a criterion without aaid nor algorithms and schemes (§3.4.6.1)',
      { policy: { accepted: [[{ userVerification: 2 }]] } },
      /authenticationAlgorithms and assertionSchemes/,
    ],
    [
      'an aaid combined with userVerification (§3.4.6.1)',
      { policy: { accepted: [[{ aaid: ['FFFF#0001'], userVerification: 2 }]] } },
      /userVerification/,
    ],
    [
      'a keyID of 31 bytes',
      { policy: { accepted: [[{ aaid: ['FFFF#0001'], keyIDs: [Buffer.alloc(31).toString('base64url')] }]] } },
      /keyIDs/,
    ],
    ['an AAID that is not "VVVV#MMMM"', { policy: { accepted: [[{ aaid: ['FFFF0001'] }]] } }, /aaid/],
    [
      'a userVerification beyond 32 bits',
      {
        policy: {
          accepted: [
            [{ userVerification: 2 ** 32, authenticationAlgorithms: [1], assertionSchemes: ['UAFV1TLV'] }],
          ],
        },
      },
      /userVerification/,
    ],
  ])('refuses %s, naming the field (MALFORMED_MESSAGE)', (_, change, field) => {
    const message = problem(() =>
      buildRegistrationRequest({ ...registrationInput, ...change } as typeof registrationInput),
    );
    expect(message).toMatch(/^MALFORMED_MESSAGE: /);
    expect(message).toMatch(field);
  });

  it('accepts an aaid combined with keyIDs, attachmentHint, authenticatorVersion and exts', () => {
    const criteria = {
      aaid: ['FFFF#0001'],
      keyIDs: [KEY_ID],
      attachmentHint: 1,
      authenticatorVersion: 2,
      exts: [],
    };
    expect(
      JSON.parse(buildRegistrationRequest({ ...registrationInput, policy: { accepted: [[criteria]] } }))[0]
        .policy.accepted,
    ).toEqual([[criteria]]);
  });
});

describe('buildAuthenticationRequest (UAF Protocol §3.5.2)', () => {
  const input = {
    appID: APP_ID,
    serverData: 'opaque-session',
    challenge: newChallenge(),
    policy: { accepted: [[{ aaid: ['FFFF#0001'], keyIDs: [KEY_ID] }]] },
  };

  it('writes one AuthenticationRequest of op "Auth" naming the allowed keys', () => {
    const message = JSON.parse(buildAuthenticationRequest(input));
    expect(message[0].header).toEqual({
      upv: { major: 1, minor: 1 },
      op: 'Auth',
      appID: APP_ID,
      serverData: 'opaque-session',
    });
    expect(message[0].policy).toEqual(input.policy);
    expect(message[0]).not.toHaveProperty('transaction');
    expect(uafMessageSchema(authenticationRequestSchema).safeParse(message).success).toBe(true);
  });

  it('carries text/plain transaction content', () => {
    const transaction = [
      {
        contentType: 'text/plain' as const,
        content: Buffer.from('Pay 100 EUR to ACME?').toString('base64url'),
      },
    ];
    expect(JSON.parse(buildAuthenticationRequest({ ...input, transaction }))[0].transaction).toEqual(
      transaction,
    );
  });

  it.each([
    ['201 characters', 'x'.repeat(201)],
    ['no characters', ''],
    ['non-ASCII text', 'Zahle 100 € an ACME?'],
  ])('refuses transaction text of %s (§3.5.1: ASCII, at most 200 characters)', (_, text) => {
    const transaction = [
      { contentType: 'text/plain' as const, content: Buffer.from(text).toString('base64url') },
    ];
    expect(problem(() => buildAuthenticationRequest({ ...input, transaction }))).toMatch(
      /^MALFORMED_MESSAGE: AuthenticationRequest\.transaction\.0\.content/,
    );
  });

  it('refuses another content type than text/plain', () => {
    const transaction = [{ contentType: 'image/png', content: 'AAAA' }] as unknown as {
      contentType: 'text/plain';
      content: string;
    }[];
    expect(problem(() => buildAuthenticationRequest({ ...input, transaction }))).toMatch(/contentType/);
  });
});

describe('buildDeregistrationRequest (UAF Protocol §3.6.1)', () => {
  it.each([
    ['one key', [{ aaid: 'FFFF#0001', keyID: KEY_ID }]],
    ['every key of one authenticator', [{ aaid: 'FFFF#0001', keyID: '' }]],
    ['every key of the appID (deregisterAll)', [{ aaid: '', keyID: '' }]],
  ])('writes a DeregistrationRequest for %s', (_, authenticators) => {
    const message = JSON.parse(buildDeregistrationRequest({ appID: APP_ID, authenticators }));
    expect(message).toEqual([
      { header: { upv: { major: 1, minor: 1 }, op: 'Dereg', appID: APP_ID }, authenticators },
    ]);
    expect(uafMessageSchema(deregistrationRequestSchema).safeParse(message).success).toBe(true);
  });

  it.each([
    ['no authenticator', []],
    ['a keyID without aaid', [{ aaid: '', keyID: KEY_ID }]],
    [
      'deregisterAll beside another entry (§3.6.4.2)',
      [
        { aaid: 'FFFF#0001', keyID: KEY_ID },
        { aaid: '', keyID: '' },
      ],
    ],
    ['a keyID that is not base64url', [{ aaid: 'FFFF#0001', keyID: 'not base64url!' }]],
  ])('refuses %s (MALFORMED_MESSAGE)', (_, authenticators) => {
    expect(problem(() => buildDeregistrationRequest({ appID: APP_ID, authenticators }))).toMatch(
      /^MALFORMED_MESSAGE: DeregistrationRequest/,
    );
  });
});

describe('facet identifiers (AppID and Facet §3.1)', () => {
  it.each([
    ['https://login.example.com', true],
    ['https://login.example.com/', true],
    ['https://login.example.com:8443', true],
    ['android:apk-key-hash:2jmj7l5rSw0yVb/vlWAYkK/YBwk', true],
    ['ios:bundle-id:com.example.app', true],
    ['http://login.example.com', false],
    ['https://login.example.com/path', false],
    ['https://login.example.com?query', false],
    ['https://user@login.example.com', false],
    ['com.example.app', false],
    ['', false],
  ])('%s is a valid trusted facet: %s', (facetId, valid) => {
    expect(isValidFacetId(facetId)).toBe(valid);
  });

  it.each([
    ['https://login.example.com', 'https://login.example.com/', true],
    ['https://login.example.com', 'https://LOGIN.example.com:443', true],
    ['https://login.example.com', 'https://login.example.com:444', false],
    ['https://login.example.com', 'https://login.example.com.evil.com', false],
    ['https://login.example.com', 'http://login.example.com', false],
    ['android:apk-key-hash:abc', 'android:apk-key-hash:abc', true],
    ['android:apk-key-hash:abc', 'android:apk-key-hash:ABC', false],
  ])('trusted %s, reported %s: same facet %s', (trusted, reported, same) => {
    expect(sameFacet(trusted, reported)).toBe(same);
  });
});
