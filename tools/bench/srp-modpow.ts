/**
 * `npx tsx tools/bench/srp-modpow.ts`: modular exponentiation for SRP, pure BigInt square-and-multiply
 * against OpenSSL through node:crypto's DH (what libs/srp uses), for the 2048/3072/4096-bit RFC 5054
 * groups with 256-bit exponents; then the server's whole work per authentication (challenge + verify)
 * for 2048/SHA-256. Prints a markdown table.
 */
import { randomBytes } from 'node:crypto';
import {
  type SrpGroupBits,
  bigIntFromBytes,
  bigIntModPow,
  srpClientProof,
  srpComputeVerifier,
  srpModPow,
  srpParameters,
  srpServerChallenge,
  srpVerifyClient,
} from '@identity-store/srp';

const SECONDS_PER_ROW = Number(process.env.BENCH_SECONDS ?? 2);

/** Runs `operation` repeatedly for about SECONDS_PER_ROW; `operation` returns the milliseconds to count. */
const opsPerSecond = (operation: () => number): { ops: number; msPerOp: number } => {
  let counted = 0;
  let runs = 0;
  const deadline = performance.now() + SECONDS_PER_ROW * 1000;
  while (performance.now() < deadline) {
    counted += operation();
    runs += 1;
  }
  return { ops: (runs * 1000) / counted, msPerOp: counted / runs };
};

const timed = (action: () => unknown): number => {
  const start = performance.now();
  action();
  return performance.now() - start;
};

const rows: string[] = [];
const row = (cells: Array<string | number>) => rows.push(`| ${cells.join(' | ')} |`);
const fmt = (value: number, digits = 1) => value.toFixed(digits);

for (const bits of [2048, 3072, 4096] as SrpGroupBits[]) {
  const params = srpParameters(bits, 'SHA-256');
  // The OpenSSL context is made once per group and process (DH_check runs then): shown separately.
  const setupMs = timed(() => srpModPow(params, 3n, 3n));
  const base = () => bigIntFromBytes(randomBytes(params.byteLength)) % params.N;
  const exponent = () => bigIntFromBytes(randomBytes(32));
  const next = () => ({ base: base(), exponent: exponent() }); // drawn outside the timed part
  const bigInt = opsPerSecond(() => {
    const { base, exponent } = next();
    return timed(() => bigIntModPow(base, exponent, params.N));
  });
  const openSsl = opsPerSecond(() => {
    const { base, exponent } = next();
    return timed(() => srpModPow(params, base, exponent));
  });
  row([
    `${bits}-bit modPow, 256-bit exponent`,
    fmt(bigInt.ops),
    fmt(openSsl.ops),
    `${fmt(openSsl.ops / bigInt.ops)}×`,
    fmt(setupMs, 0),
  ]);
}

// Whole server work per authentication: srpServerChallenge + srpVerifyClient (3 modPows, hashes,
// hex parsing); the client's side runs between them, untimed.
{
  const params = srpParameters(2048, 'SHA-256');
  const identity = 'a7d3c0e2-5b1f-4c39-9b8e-2f6d1a0c4e77';
  const password = 'correct horse battery staple';
  const salt = randomBytes(16);
  const verifier = srpComputeVerifier(params, identity, password, salt);
  const auth = opsPerSecond(() => {
    let challenge = { b: '', B: '' };
    const challengeMs = timed(() => (challenge = srpServerChallenge(params, verifier)));
    const proof = srpClientProof(params, { identity, password, salt: salt.toString('hex'), B: challenge.B });
    const request = {
      identity,
      salt: salt.toString('hex'),
      verifier,
      ...challenge,
      A: proof.A,
      M1: proof.M1,
    };
    let ok = false;
    const verifyMs = timed(() => (ok = srpVerifyClient(params, request).ok));
    if (!ok) throw new Error('authentication failed');
    return challengeMs + verifyMs;
  });
  row([
    '2048/SHA-256 server work per authentication',
    '—',
    `${fmt(auth.ops)} (${fmt(auth.msPerOp, 2)} ms)`,
    '—',
    '—',
  ]);
}

console.log(`Node ${process.version}, OpenSSL ${process.versions.openssl}, ${SECONDS_PER_ROW} s per row\n`);
console.log(
  '| operation | BigInt ops/s | node:crypto (OpenSSL) ops/s | speed-up | one-time OpenSSL setup (ms) |',
);
console.log('|---|---:|---:|---:|---:|');
console.log(rows.join('\n'));
