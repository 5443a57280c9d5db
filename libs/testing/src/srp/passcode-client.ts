import { randomBytes } from 'node:crypto';
import type { PasscodeKdf } from '@identity-store/contracts';
import { stretchPasscode } from './passcode-kdf';
import { SRP, SrpClient } from 'fast-srp-hap';

/**
 * The specs' passcode client (e2e suites and the passcode service's handler specs): fast-srp-hap's SrpClient (an independent RFC 5054
 * implementation) with its RFC 5054 2048-bit group (g = 2) and SHA-256, the policy default, and
 * the policy's KDF applied first as every client must (README "Passcodes"): the SRP password is
 * P' = hex(KDF(passcode, salt)), computed once per passcode and salt, as a client keeps it.
 */

const GROUP = SRP.params[2048];

/** What a client keeps from a start answer between the two steps of a ceremony. */
export interface PasscodeChallenge {
  sessionId: string;
  identity: string;
  salt: string;
  B: string;
  kdf: PasscodeKdf | null;
}

const stretched = new Map<string, Promise<string>>();

/** The SRP password for a passcode: the passcode stretched with the KDF and salt (itself without a KDF). */
export const srpPassword = (kdf: PasscodeKdf | null, passcode: string, saltHex: string): Promise<string> => {
  const key = JSON.stringify([kdf, passcode, saltHex]);
  let password = stretched.get(key);
  if (!password) {
    password = stretchPasscode(kdf, passcode, Buffer.from(saltHex, 'hex'));
    stretched.set(key, password);
  }
  return password;
};

/** The client's proof for a challenge, and the check of the server's proof M2. */
export const proofFor = async (challenge: PasscodeChallenge, passcode: string) => {
  const client = new SrpClient(
    GROUP,
    Buffer.from(challenge.salt, 'hex'),
    Buffer.from(challenge.identity),
    Buffer.from(await srpPassword(challenge.kdf, passcode, challenge.salt)),
    randomBytes(32),
  );
  client.setB(Buffer.from(challenge.B, 'hex'));
  return {
    A: client.computeA().toString('hex'),
    M1: client.computeM1().toString('hex'),
    /** Throws unless the server proved it knows the verifier. */
    checkM2: (M2: string) => client.checkM2(Buffer.from(M2, 'hex')),
  };
};

/** A new (16-byte) salt and the verifier for a passcode under a KDF, as a registering client computes them. */
export const credentialsFor = async (identity: string, passcode: string, kdf: PasscodeKdf | null) => {
  const salt = randomBytes(16);
  const password = await srpPassword(kdf, passcode, salt.toString('hex'));
  const verifier = SRP.computeVerifier(GROUP, salt, Buffer.from(identity), Buffer.from(password));
  return { salt: salt.toString('hex'), verifier: verifier.toString('hex') };
};
