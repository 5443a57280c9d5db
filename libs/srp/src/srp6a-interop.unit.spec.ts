import { randomBytes, randomUUID } from 'node:crypto';
import { SRP, SrpClient, SrpServer, type SrpParams } from 'fast-srp-hap';
import {
  type SrpGroupBits,
  type SrpHashName,
  srpClientProof,
  srpComputeVerifier,
  srpParameters,
  srpServerChallenge,
  srpVerifyClient,
} from './index';

/**
 * fast-srp-hap's parameter sets that are RFC 5054 groups: '2048' (RFC 5054 2048-bit, g = 2, SHA-256),
 * '3072' and '4096' (RFC 5054 = RFC 3526 primes, g = 5, SHA-256), 'hap' (the 3072-bit group with
 * SHA-512). Its '1024' and '1536' sets use SHA-1, for which it derives K by SHA1-interleave (RFC 2945)
 * rather than H(PAD(S)): only k, x, v, A, B, u and S agree there (see the Appendix B spec). Other
 * hashes over the same groups are the same N and g with another `hash`.
 */
const CASES: Array<{ bits: SrpGroupBits; hash: SrpHashName; client: SrpParams; name: string }> = [
  { bits: 2048, hash: 'SHA-256', client: SRP.params[2048], name: "'2048'" },
  { bits: 3072, hash: 'SHA-256', client: SRP.params[3072], name: "'3072'" },
  { bits: 4096, hash: 'SHA-256', client: SRP.params[4096], name: "'4096'" },
  { bits: 3072, hash: 'SHA-512', client: SRP.params.hap, name: "'hap'" },
  {
    bits: 2048,
    hash: 'SHA-512',
    client: { ...SRP.params[2048], hash: 'sha512' },
    name: "'2048' with sha512",
  },
];

describe.each(CASES)('SRP-6a with fast-srp-hap $name = $bits bits, $hash', ({ bits, hash, client }) => {
  const params = srpParameters(bits, hash);
  const identity = randomUUID();
  const password = 'correct horse battery staple';
  const salt = randomBytes(16);
  const verifier = srpComputeVerifier(params, identity, password, salt);

  /** One authentication: fast-srp-hap as the client, this library as the server. */
  const authenticate = (clientPassword: string) => {
    const challenge = srpServerChallenge(params, verifier);
    const srpClient = new SrpClient(
      client,
      salt,
      Buffer.from(identity),
      Buffer.from(clientPassword),
      randomBytes(32),
    );
    srpClient.setB(Buffer.from(challenge.B, 'hex'));
    const result = srpVerifyClient(params, {
      identity,
      salt: salt.toString('hex'),
      verifier,
      ...challenge,
      A: srpClient.computeA().toString('hex'),
      M1: srpClient.computeM1().toString('hex'),
    });
    return { srpClient, result };
  };

  it('computes the same verifier as fast-srp-hap', () => {
    const theirs = SRP.computeVerifier(client, salt, Buffer.from(identity), Buffer.from(password));
    expect(verifier).toBe(theirs.toString('hex'));
    expect(verifier).toHaveLength(params.byteLength * 2);
  });

  it('accepts the right password, and fast-srp-hap accepts the server proof M2', () => {
    const { srpClient, result } = authenticate(password);
    if (!result.ok) throw new Error('authentication failed');
    expect(() => srpClient.checkM2(Buffer.from(result.M2, 'hex'))).not.toThrow();
    expect(result.K).toEqual(srpClient.computeK());
  });

  it('refuses a wrong password', () => {
    expect(authenticate('correct horse battery stapler').result).toEqual({ ok: false });
  });

  it("the client helper passes fast-srp-hap's server", () => {
    const server = new SrpServer(
      client,
      { username: identity, salt, verifier: Buffer.from(verifier, 'hex') },
      randomBytes(32),
    );
    const proof = srpClientProof(params, {
      identity,
      password,
      salt: salt.toString('hex'),
      B: server.computeB().toString('hex'),
    });
    server.setA(Buffer.from(proof.A, 'hex'));
    expect(() => server.checkM1(Buffer.from(proof.M1, 'hex'))).not.toThrow();
    expect(server.computeM2().toString('hex')).toBe(proof.M2);
  });
});
