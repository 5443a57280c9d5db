import { createHmac, randomBytes } from 'node:crypto';
import { SRP, SrpClient } from 'fast-srp-hap';

/**
 * Independent clients for e2e specs: RFC 6238 codes (node:crypto only, not the service's TOTP code)
 * and an RFC 5054 SRP-6a client (fast-srp-hap, 2048-bit group, SHA-256).
 */

const base32Decode = (input: string): Buffer => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of input.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  return Buffer.from(bits.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
};

/** The RFC 6238 code of a base32 secret for a time step (SHA-1, 6 digits by default). */
export const totpCode = (secretBase32: string, step: number, digits = 6, algorithm = 'sha1') => {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac(algorithm, base32Decode(secretBase32)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits).padStart(digits, '0');
};

export const currentTotpStep = (period = 30) => Math.floor(Date.now() / 1000 / period);

/** A six-digit code that is none of the codes of the window around now (a certain failure). */
export const wrongTotpCode = (secretBase32: string, window = 1) => {
  const step = currentTotpStep();
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
