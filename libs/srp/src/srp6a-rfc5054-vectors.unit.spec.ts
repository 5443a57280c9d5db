import { createHash } from 'node:crypto';
import { SRP, SrpClient, SrpServer } from 'fast-srp-hap';
import {
  bytesFromBigInt,
  srpClientProof,
  srpComputeK,
  srpComputeServerS,
  srpComputeU,
  srpComputeVerifier,
  srpComputeX,
  srpModPow,
  srpParameters,
  srpServerChallenge,
  srpVerifyClient,
} from './index';

/** RFC 5054 Appendix B, as printed there (1024-bit group, g = 2, SHA-1). */
const rfc = (text: string) => BigInt('0x' + text.replace(/\s+/g, ''));
const RFC5054 = {
  I: 'alice',
  P: 'password123',
  s: rfc('BEB25379 D1A8581E B5A72767 3A2441EE'),
  k: rfc('7556AA04 5AEF2CDD 07ABAF0F 665C3E81 8913186F'),
  x: rfc('94B7555A ABE9127C C58CCF49 93DB6CF8 4D16C124'),
  v: rfc(`7E273DE8 696FFC4F 4E337D05 B4B375BE B0DDE156 9E8FA00A 9886D812
          9BADA1F1 822223CA 1A605B53 0E379BA4 729FDC59 F105B478 7E5186F5
          C671085A 1447B52A 48CF1970 B4FB6F84 00BBF4CE BFBB1681 52E08AB5
          EA53D15C 1AFF87B2 B9DA6E04 E058AD51 CC72BFC9 033B564E 26480D78
          E955A5E2 9E7AB245 DB2BE315 E2099AFB`),
  a: rfc('60975527 035CF2AD 1989806F 0407210B C81EDC04 E2762A56 AFD529DD DA2D4393'),
  b: rfc('E487CB59 D31AC550 471E81F0 0F6928E0 1DDA08E9 74A004F4 9E61F5D1 05284D20'),
  A: rfc(`61D5E490 F6F1B795 47B0704C 436F523D D0E560F0 C64115BB 72557EC4
          4352E890 3211C046 92272D8B 2D1A5358 A2CF1B6E 0BFCF99F 921530EC
          8E393561 79EAE45E 42BA92AE ACED8251 71E1E8B9 AF6D9C03 E1327F44
          BE087EF0 6530E69F 66615261 EEF54073 CA11CF58 58F0EDFD FE15EFEA
          B349EF5D 76988A36 72FAC47B 0769447B`),
  B: rfc(`BD0C6151 2C692C0C B6D041FA 01BB152D 4916A1E7 7AF46AE1 05393011
          BAF38964 DC46A067 0DD125B9 5A981652 236F99D9 B681CBF8 7837EC99
          6C6DA044 53728610 D0C6DDB5 8B318885 D7D82C7F 8DEB75CE 7BD4FBAA
          37089E6F 9C6059F3 88838E7A 00030B33 1EB76840 910440B1 B27AAEAE
          EB4012B7 D7665238 A8E3FB00 4B117B58`),
  u: rfc('CE38B959 3487DA98 554ED47D 70A7AE5F 462EF019'),
  S: rfc(`B0DC82BA BCF30674 AE450C02 87745E79 90A3381F 63B387AA F271A10D
          233861E3 59B48220 F7C4693C 9AE12B0A 6F67809F 0876E2D0 13800D6C
          41BB59B6 D5979B5C 00A172B4 A2A5903A 0BDCAF8A 709585EB 2AFAFA8F
          3499B200 210DCC1F 10EB3394 3CD67FC8 8A2F39A4 BE5BEC4E C0A3212D
          C346D7E4 74B29EDE 8A469FFE CA686E5A`),
};

const params = srpParameters(1024, 'SHA-1');
const salt = bytesFromBigInt(RFC5054.s, 16);
const hex = (value: bigint) => bytesFromBigInt(value, params.byteLength).toString('hex');

describe('SRP-6a against RFC 5054 Appendix B (1024-bit group, SHA-1)', () => {
  it('computes k, x and v', () => {
    expect(srpComputeK(params)).toBe(RFC5054.k);
    expect(srpComputeX(params, RFC5054.I, RFC5054.P, salt)).toBe(RFC5054.x);
    expect(srpComputeVerifier(params, RFC5054.I, RFC5054.P, salt)).toBe(hex(RFC5054.v));
  });

  it('computes A, B, u and the premaster secret S from the RFC a and b', () => {
    expect(srpModPow(params, params.g, RFC5054.a)).toBe(RFC5054.A);
    const challenge = srpServerChallenge(params, hex(RFC5054.v), bytesFromBigInt(RFC5054.b));
    expect(challenge.B).toBe(hex(RFC5054.B));
    expect(challenge.b).toBe(bytesFromBigInt(RFC5054.b).toString('hex'));
    expect(srpComputeU(params, RFC5054.A, RFC5054.B)).toBe(RFC5054.u);
    expect(srpComputeServerS(params, { A: RFC5054.A, v: RFC5054.v, u: RFC5054.u, b: RFC5054.b })).toBe(
      RFC5054.S,
    );
  });

  it('client and server agree on K = H(PAD(S)) and the proofs, with the RFC a and b', () => {
    const expectedK = createHash('sha1').update(bytesFromBigInt(RFC5054.S, params.byteLength)).digest();
    const client = srpClientProof(
      params,
      { identity: RFC5054.I, password: RFC5054.P, salt: salt.toString('hex'), B: hex(RFC5054.B) },
      bytesFromBigInt(RFC5054.a),
    );
    expect(client.A).toBe(hex(RFC5054.A));
    expect(client.K).toEqual(expectedK);
    const server = srpVerifyClient(params, {
      identity: RFC5054.I,
      salt: salt.toString('hex'),
      verifier: hex(RFC5054.v),
      b: bytesFromBigInt(RFC5054.b).toString('hex'),
      B: hex(RFC5054.B),
      A: client.A,
      M1: client.M1,
    });
    expect(server).toEqual({ ok: true, M2: client.M2, K: expectedK });
  });

  it('the vectors typed above are what fast-srp-hap computes (guards against typos)', () => {
    const rfcParams = SRP.params[1024];
    const [I, P] = [Buffer.from(RFC5054.I), Buffer.from(RFC5054.P)];
    expect(SRP.computeVerifier(rfcParams, salt, I, P).toString('hex')).toBe(hex(RFC5054.v));
    const client = new SrpClient(rfcParams, salt, I, P, bytesFromBigInt(RFC5054.a));
    expect(client.computeA().toString('hex')).toBe(hex(RFC5054.A));
    const server = new SrpServer(rfcParams, salt, I, P, bytesFromBigInt(RFC5054.b));
    expect(server.computeB().toString('hex')).toBe(hex(RFC5054.B));
    client.setB(bytesFromBigInt(RFC5054.B, params.byteLength));
    // u and S are private fields of fast-srp-hap's client, kept "only for tests".
    const internals = client as unknown as { _u: { toString(radix: number): string }; _S: Buffer };
    expect(BigInt('0x' + internals._u.toString(16))).toBe(RFC5054.u);
    expect(internals._S.toString('hex')).toBe(hex(RFC5054.S));
  });
});
