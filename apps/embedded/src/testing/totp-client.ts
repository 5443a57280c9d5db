import { createHmac } from 'node:crypto';

/**
 * The e2e suites' TOTP client: an independent RFC 6238 implementation (RFC 4226 dynamic truncation
 * over time steps), written here rather than taken from the service.
 */

export const base32Decode = (input: string): Buffer => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of input.replace(/=+$/, '').toUpperCase())
    bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  return Buffer.from(bits.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
};

export const totpCode = (secretBase32: string, step: number, digits = 6, algorithm = 'sha1') => {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac(algorithm, base32Decode(secretBase32)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits).padStart(digits, '0');
};

export const currentStep = (period = 30) => Math.floor(Date.now() / 1000 / period);
