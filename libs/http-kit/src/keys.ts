import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { internalTokenKey } from './internal-tokens';

/**
 * Ed25519 keys of the gateway's grants, as they travel in environment variables: PEM (PKCS#8
 * private, SPKI public; `\n` escapes allowed) or the base64 of the same DER bytes (one line:
 * `openssl genpkey -algorithm ed25519 -outform DER | base64 -w0`).
 */
const der = (text: string, kind: 'private' | 'public'): KeyObject => {
  const trimmed = text.trim().replace(/\\n/g, '\n');
  const pem = trimmed.startsWith('-----BEGIN');
  const source = pem ? trimmed : Buffer.from(trimmed, 'base64');
  const key =
    kind === 'private'
      ? createPrivateKey(pem ? { key: source } : { key: source as Buffer, format: 'der', type: 'pkcs8' })
      : createPublicKey(pem ? { key: source } : { key: source as Buffer, format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`not an Ed25519 ${kind} key`);
  return key;
};

/** The gateway's grant signing key (GATEWAY_SIGNING_KEY). */
export const parseGrantSigningKey = (text: string): KeyObject => der(text, 'private');

/** The public key services verify grants with (GATEWAY_VERIFY_KEY). A private key is refused. */
export const parseGrantVerifyKey = (text: string): KeyObject => {
  if (/PRIVATE KEY/.test(text)) throw new Error('GATEWAY_VERIFY_KEY must be the public key, not the private one');
  return der(text, 'public');
};

/** A fresh key pair in the one-line base64 DER form (distributed.sh, tests). */
export const generateGrantKeyPair = (): { signingKey: string; verifyKey: string } => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    signingKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    verifyKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
};

/** `parse()` of a key variable, its error naming the variable. */
export const parseKeyVariable = <T>(variable: string, parse: () => T): T => {
  try {
    return parse();
  } catch (error) {
    throw new Error(`${variable}: ${error instanceof Error ? error.message : String(error)}`);
  }
};

/** The trust of a service process of the distributed layout, from its configuration. */
export const serviceTrustFrom = (config: { GATEWAY_VERIFY_KEY: string; INTERNAL_TOKEN_KEY: string }) => ({
  gatewayVerifyKey: parseKeyVariable('GATEWAY_VERIFY_KEY', () => parseGrantVerifyKey(config.GATEWAY_VERIFY_KEY)),
  internalTokenKey: parseKeyVariable('INTERNAL_TOKEN_KEY', () => internalTokenKey(config.INTERNAL_TOKEN_KEY)),
});
