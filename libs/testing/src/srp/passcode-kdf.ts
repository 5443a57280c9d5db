import { pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';
import type { PasscodeKdf } from '@identity-store/contracts';
import { argon2id } from 'hash-wasm';

/**
 * The client side of a passcode policy's KDF (README "Passcodes", store.ts passcodeKdfSchema), for
 * tests, the benchmark's load generator and as a reference for client authors: the SRP password is
 *
 *   P' = lowercase hex of KDF(passcode as UTF-8, salt bytes), a 32-byte output
 *
 * (argon2id: RFC 9106 version 0x13, no secret, no associated data; PBKDF2-HMAC-SHA-256), and the
 * client then computes x = H(s | H(I | ":" | P')) as RFC 5054 does with a password. A policy
 * without a KDF (null) uses the passcode itself. The server never runs this.
 */
export const KDF_OUTPUT_BYTES = 32;

const pbkdf2Async = promisify(pbkdf2);

export const stretchPasscode = async (
  kdf: PasscodeKdf | null,
  passcode: string,
  salt: Uint8Array,
): Promise<string> => {
  if (kdf === null) return passcode;
  const password = Buffer.from(passcode, 'utf8');
  switch (kdf.algorithm) {
    case 'argon2id':
      return argon2id({
        password,
        salt,
        iterations: kdf.iterations,
        memorySize: kdf.memoryKiB,
        parallelism: kdf.parallelism,
        hashLength: KDF_OUTPUT_BYTES,
        outputType: 'hex',
      });
    case 'PBKDF2-SHA256':
      return (await pbkdf2Async(password, salt, kdf.iterations, KDF_OUTPUT_BYTES, 'sha256')).toString('hex');
  }
};
