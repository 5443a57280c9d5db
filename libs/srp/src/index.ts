/**
 * SRP-6a, server side, exactly as RFC 5054 over node:crypto, for any RFC 5054 group and SHA-1/256/512.
 * Interoperates with RFC 5054 clients such as fast-srp-hap's SrpClient (see srp6a-interop.unit.spec.ts).
 *
 *   registration:   client sends { salt, verifier = srpComputeVerifier(...) }   (checked with parseSrpHex)
 *   authentication: { b, B } = srpServerChallenge(params, verifier)   → send B, keep b (encrypted)
 *                   srpVerifyClient(params, { identity, salt, verifier, b, B, A, M1 }) → { ok, M2, K }
 */
export {
  SRP_GROUP_BITS,
  SRP_HASHES,
  SRP_HASH_NAMES,
  srpParameters,
  type SrpGroupBits,
  type SrpHashName,
  type SrpParameters,
} from './groups';
export { SrpInputError, bigIntFromBytes, bytesFromBigInt, parseSrpHex } from './encoding';
export { bigIntModPow, srpModPow } from './mod-pow';
export {
  srpClientProof,
  srpComputeClientS,
  srpComputeK,
  srpComputeM1,
  srpComputeM2,
  srpComputeServerS,
  srpComputeSessionKey,
  srpComputeU,
  srpComputeVerifier,
  srpComputeX,
  srpServerChallenge,
  srpVerifyClient,
} from './srp6a';
