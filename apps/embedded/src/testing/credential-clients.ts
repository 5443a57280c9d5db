import { randomBytes } from 'node:crypto';
import { SRP, SrpClient } from 'fast-srp-hap';
import { currentStep, totpCode } from './totp-client';

/**
 * Independent clients for e2e specs, beside the RFC 6238 client of ./totp-client: a certainly wrong
 * TOTP code, and an RFC 5054 SRP-6a client (fast-srp-hap, 2048-bit group, SHA-256) for policies
 * without a KDF.
 */

/** A six-digit code that is none of the codes of the window around now (a certain failure). */
export const wrongTotpCode = (secretBase32: string, window = 1) => {
  const step = currentStep();
  const valid = new Set(Array.from({ length: 2 * window + 3 }, (_, i) => totpCode(secretBase32, step - window - 1 + i)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
};

const GROUP = SRP.params[2048];

/** A new salt and the verifier for a password, as a registering SRP client computes them. */
export const srpCredentials = (identity: string, password: string) => {
  const salt = randomBytes(16);
  const verifier = SRP.computeVerifier(GROUP, salt, Buffer.from(identity), Buffer.from(password));
  return { salt: salt.toString('hex'), verifier: verifier.toString('hex') };
};

/** A client's A and M1 for a challenge (`{ identity, salt, B }` of a start answer). */
export const srpProof = (challenge: { identity: string; salt: string; B: string }, password: string) => {
  const client = new SrpClient(GROUP, Buffer.from(challenge.salt, 'hex'), Buffer.from(challenge.identity), Buffer.from(password), randomBytes(32));
  client.setB(Buffer.from(challenge.B, 'hex'));
  return { A: client.computeA().toString('hex'), M1: client.computeM1().toString('hex') };
};
