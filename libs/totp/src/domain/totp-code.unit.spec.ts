import {
  TOTP_SECRET_BYTES,
  fromBase32,
  generateTotp,
  matchTotp,
  newTotpSecret,
  otpauthUri,
  toBase32,
  totpTimeStep,
  type TotpCodeAlgorithm,
} from './totp-code';

const ascii = (s: string) => new TextEncoder().encode(s);

// RFC 6238 Appendix A/B seeds: "12345678901234567890" repeated to the HMAC output length.
const seeds: Record<TotpCodeAlgorithm, Uint8Array> = {
  SHA1: ascii('12345678901234567890'),
  SHA256: ascii('12345678901234567890123456789012'),
  SHA512: ascii('1234567890123456789012345678901234567890123456789012345678901234'),
};

// RFC 6238 Appendix B, verbatim: Time (sec), T (hex), TOTP, Mode. 8 digits, X = 30 s, T0 = 0.
const rfc6238Vectors: [number, string, string, TotpCodeAlgorithm][] = [
  [59, '0000000000000001', '94287082', 'SHA1'],
  [59, '0000000000000001', '46119246', 'SHA256'],
  [59, '0000000000000001', '90693936', 'SHA512'],
  [1111111109, '00000000023523EC', '07081804', 'SHA1'],
  [1111111109, '00000000023523EC', '68084774', 'SHA256'],
  [1111111109, '00000000023523EC', '25091201', 'SHA512'],
  [1111111111, '00000000023523ED', '14050471', 'SHA1'],
  [1111111111, '00000000023523ED', '67062674', 'SHA256'],
  [1111111111, '00000000023523ED', '99943326', 'SHA512'],
  [1234567890, '000000000273EF07', '89005924', 'SHA1'],
  [1234567890, '000000000273EF07', '91819424', 'SHA256'],
  [1234567890, '000000000273EF07', '93441116', 'SHA512'],
  [2000000000, '0000000003F940AA', '69279037', 'SHA1'],
  [2000000000, '0000000003F940AA', '90698825', 'SHA256'],
  [2000000000, '0000000003F940AA', '38618901', 'SHA512'],
  [20000000000, '0000000027BC86AA', '65353130', 'SHA1'],
  [20000000000, '0000000027BC86AA', '77737706', 'SHA256'],
  [20000000000, '0000000027BC86AA', '47863826', 'SHA512'],
];

describe('RFC 6238 Appendix B test vectors', () => {
  it('uses seeds of 20, 32 and 64 bytes', () => {
    expect(seeds.SHA1).toHaveLength(20);
    expect(seeds.SHA256).toHaveLength(32);
    expect(seeds.SHA512).toHaveLength(64);
  });

  it.each(rfc6238Vectors)('T=%i (T=%s) → %s with %s', (seconds, stepHex, code, algorithm) => {
    const params = {
      secret: seeds[algorithm],
      algorithm,
      digits: 8,
      period: 30,
      timestampMs: seconds * 1000,
    };

    expect(totpTimeStep(params)).toBe(parseInt(stepHex, 16));
    expect(generateTotp(params)).toBe(code);
    expect(matchTotp({ ...params, window: 0, code })).toBe(parseInt(stepHex, 16));
  });

  it('reads only the bytes of a Uint8Array view, not the rest of its underlying buffer', () => {
    const big = new Uint8Array(100).fill(0x55);
    big.set(seeds.SHA1, 10);
    const view = big.subarray(10, 30);
    expect(
      generateTotp({ secret: view, algorithm: 'SHA1', digits: 8, period: 30, timestampMs: 59_000 }),
    ).toBe('94287082');
  });
});

describe('matchTotp', () => {
  const secret = seeds.SHA1;
  const base = { secret, algorithm: 'SHA1' as const, digits: 8, period: 30 };
  // 1111111111 s is step 0x23523ED = 37037037, 21 s into its step.
  const now = 1111111111 * 1000;
  const step = 37037037;
  const previousCode = '07081804'; // step 37037036 (RFC vector at T = 1111111109)
  const currentCode = '14050471'; // step 37037037

  it('accepts the current step with window 0 and returns its absolute time step', () => {
    expect(matchTotp({ ...base, window: 0, code: currentCode, timestampMs: now })).toBe(step);
  });

  it('accepts the previous step with window 1, returning that (earlier) step', () => {
    expect(matchTotp({ ...base, window: 1, code: previousCode, timestampMs: now })).toBe(step - 1);
  });

  it('rejects the previous step with window 0', () => {
    expect(matchTotp({ ...base, window: 0, code: previousCode, timestampMs: now })).toBeNull();
  });

  it('accepts the next step with window 1 (clock drift ahead)', () => {
    const nextCode = generateTotp({ ...base, timestampMs: (step + 1) * 30_000 });
    expect(matchTotp({ ...base, window: 1, code: nextCode, timestampMs: now })).toBe(step + 1);
    expect(matchTotp({ ...base, window: 0, code: nextCode, timestampMs: now })).toBeNull();
  });

  it('rejects a code two steps old with window 1 but accepts it with window 2', () => {
    const twoStepsOld = generateTotp({ ...base, timestampMs: (step - 2) * 30_000 });
    expect(matchTotp({ ...base, window: 1, code: twoStepsOld, timestampMs: now })).toBeNull();
    expect(matchTotp({ ...base, window: 2, code: twoStepsOld, timestampMs: now })).toBe(step - 2);
  });

  it('rejects a wrong code', () => {
    expect(matchTotp({ ...base, window: 1, code: '14050472', timestampMs: now })).toBeNull();
  });

  it.each(['1405047', '140504711', '1405047a', ' 4050471', '14050471\n', '１４０５０４７１', ''])(
    'rejects malformed code %j without throwing',
    (code) => {
      expect(matchTotp({ ...base, window: 1, code, timestampMs: now })).toBeNull();
    },
  );

  it('rejects a code generated with another algorithm', () => {
    expect(matchTotp({ ...base, window: 1, code: '67062674', timestampMs: now })).toBeNull();
  });

  it('works with 6 digits (the last 6 digits of the 8-digit code)', () => {
    expect(generateTotp({ ...base, digits: 6, timestampMs: now })).toBe('050471');
    expect(matchTotp({ ...base, digits: 6, window: 0, code: '050471', timestampMs: now })).toBe(step);
  });
});

describe('secrets and base32', () => {
  it.each([
    ['SHA1', 20],
    ['SHA256', 32],
    ['SHA512', 64],
  ] as const)('newTotpSecret(%s) has %i random bytes', (algorithm, length) => {
    expect(TOTP_SECRET_BYTES[algorithm]).toBe(length);
    const a = newTotpSecret(algorithm);
    const b = newTotpSecret(algorithm);
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a).toHaveLength(length);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('encodes RFC 4648 base32 without padding and decodes it back', () => {
    // RFC 4648 §10: BASE32("foobar") = "MZXW6YTBOI======"
    expect(toBase32(ascii('foobar'))).toBe('MZXW6YTBOI');
    expect(Buffer.from(fromBase32('MZXW6YTBOI')).toString()).toBe('foobar');
    expect(Buffer.from(fromBase32('mzxw6ytboi======')).toString()).toBe('foobar');
    expect(toBase32(seeds.SHA1)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  it('round-trips random secrets', () => {
    const secret = newTotpSecret('SHA512');
    expect(Buffer.from(fromBase32(toBase32(secret))).equals(Buffer.from(secret))).toBe(true);
  });

  it('rejects invalid base32', () => {
    expect(() => fromBase32('MZXW6YTBO1')).toThrow();
  });
});

describe('otpauthUri', () => {
  it('produces a Key URI with issuer, label, secret, algorithm, digits and period', () => {
    const uri = otpauthUri({
      issuer: 'ACME Co',
      account: 'alice@example.com',
      secretBase32: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
      algorithm: 'SHA256',
      digits: 8,
      period: 60,
    });

    expect(uri).toBe(
      'otpauth://totp/ACME%20Co:alice%40example.com?issuer=ACME%20Co' +
        '&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA256&digits=8&period=60',
    );
    const url = new URL(uri);
    expect(url.protocol).toBe('otpauth:');
    expect(url.searchParams.get('secret')).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(url.searchParams.get('issuer')).toBe('ACME Co');
    expect(url.searchParams.get('algorithm')).toBe('SHA256');
    expect(url.searchParams.get('digits')).toBe('8');
    expect(url.searchParams.get('period')).toBe('60');
  });

  it('escapes reserved characters in the label', () => {
    const uri = otpauthUri({
      issuer: 'A:B',
      account: 'x?y&z',
      secretBase32: 'MZXW6YTBOI',
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
    });
    expect(uri).toBe(
      'otpauth://totp/A%3AB:x%3Fy%26z?issuer=A%3AB&secret=MZXW6YTBOI&algorithm=SHA1&digits=6&period=30',
    );
  });
});
