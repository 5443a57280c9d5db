import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js';
import { KDF_OUTPUT_BYTES, stretchPasscode } from './passcode-kdf';

/**
 * The client-side KDF against published vectors. RFC 9106's only argon2id vector (§5.3) uses a
 * secret K and associated data X, which the passcode KDF does not use and hash-wasm (what the
 * helper runs on) cannot take: it pins @noble/hashes, an independent implementation that can, and
 * the helper must then agree with noble and with the reference implementation's own argon2id
 * vectors (phc-winner-argon2, src/test.c, by the RFC's authors), which have no K and X.
 */

const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'ascii'));
const argon2id = (memoryKiB: number, iterations: number, parallelism: number) =>
  ({ algorithm: 'argon2id', memoryKiB, iterations, parallelism }) as const;

describe('client-side passcode KDF (argon2id, PBKDF2-SHA256)', () => {
  it('RFC 9106 §5.3: the reference argon2id (noble) reproduces the RFC’s vector', () => {
    const tag = nobleArgon2id(new Uint8Array(32).fill(1), new Uint8Array(16).fill(2), {
      t: 3,
      m: 32,
      p: 4,
      dkLen: 32,
      key: new Uint8Array(8).fill(3),
      personalization: new Uint8Array(12).fill(4),
    });
    expect(Buffer.from(tag).toString('hex')).toBe(
      '0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659',
    );
  });

  it('argon2id: the reference implementation’s vectors (password "password", salt "somesalt")', async () => {
    const vectors: Array<[number, number, number, string, string, string]> = [
      [
        65536,
        2,
        1,
        'password',
        'somesalt',
        '09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7',
      ],
      [256, 2, 1, 'password', 'somesalt', '9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe'],
      [256, 2, 2, 'password', 'somesalt', '6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037'],
    ];
    for (const [m, t, p, password, salt, tag] of vectors)
      expect(await stretchPasscode(argon2id(m, t, p), password, ascii(salt))).toBe(tag);
  });

  it('argon2id of a UTF-8 passcode and a 16-byte salt, with one lane and with several, agrees with noble', async () => {
    const salt = new Uint8Array(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
    for (const [m, t, p] of [
      [2048, 2, 1],
      [1024, 3, 4],
    ] as const) {
      const expected = Buffer.from(
        nobleArgon2id(Buffer.from('pässwörd ✓', 'utf8'), salt, { t, m, p, dkLen: 32 }),
      );
      expect(await stretchPasscode(argon2id(m, t, p), 'pässwörd ✓', salt)).toBe(expected.toString('hex'));
    }
  });

  it('PBKDF2-HMAC-SHA-256: RFC 7914 §11 vectors (their first 32 bytes)', async () => {
    expect(
      await stretchPasscode({ algorithm: 'PBKDF2-SHA256', iterations: 1 }, 'passwd', ascii('salt')),
    ).toBe('55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc');
    expect(
      await stretchPasscode({ algorithm: 'PBKDF2-SHA256', iterations: 80000 }, 'Password', ascii('NaCl')),
    ).toBe('4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56');
  });

  it('P′ is 32 bytes of lowercase hex; without a KDF the passcode itself is the SRP password', async () => {
    const stretched = await stretchPasscode(argon2id(7168, 5, 1), 'correct horse', ascii('0123456789abcdef'));
    expect(stretched).toMatch(new RegExp(`^[0-9a-f]{${KDF_OUTPUT_BYTES * 2}}$`));
    expect(await stretchPasscode(null, 'correct horse', ascii('0123456789abcdef'))).toBe('correct horse');
  });
});
