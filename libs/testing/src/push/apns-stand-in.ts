import { randomUUID } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, errors, importSPKI, type JWTPayload, jwtVerify } from 'jose';
import { testTls } from './push-test-keys';

/** A key Apple issued to a team: its id (the JWT's kid) maps to the team and the public key. */
export interface ApnsTeamKey {
  teamId: string;
  /** SPKI PEM of the P-256 key. */
  publicKeyPem: string;
}

export interface ApnsStandInOptions {
  teamKeys: Map<string, ApnsTeamKey>;
}

/** A notification the stand-in accepted. */
export interface ApnsReceived {
  token: string;
  headers: http2.IncomingHttpHeaders;
  payload: Record<string, unknown>;
  jwtClaims: JWTPayload;
  /** The provider token as sent (tests compare tokens across sends). */
  providerToken: string;
}

export interface ApnsStandIn {
  /** https://127.0.0.1:<port> (the certificate names it): the APNs endpoint to configure. */
  url: string;
  /** The test CA that issued the server's certificate: trust it in the client. */
  caPem: string;
  received: ApnsReceived[];
  /** Requests answered with an error: the status and Apple's reason. */
  refused: { token: string; status: number; reason: string }[];
  /** Device tokens answered 410 Unregistered. */
  unregistered: Set<string>;
  /** Device tokens never answered (until close): a provider that hangs. */
  stalled: Set<string>;
  /** HTTP/2 connections clients opened so far. */
  connectionsOpened(): number;
  close(): Promise<void>;
}

const PROVIDER_TOKEN_MAX_AGE = '1h';
const PAYLOAD_LIMIT_BYTES = 4096;
const PUSH_TYPES = new Set([
  'alert',
  'background',
  'voip',
  'complication',
  'fileprovider',
  'mdm',
  'liveactivity',
]);

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/**
 * A local APNs (HTTP/2 over TLS, certificate from a test CA) that checks requests as Apple documents
 * them: the provider token (ES256 signature with the team key named by kid, iss = that team, iat
 * within the hour), apns-topic, apns-push-type, apns-priority, apns-expiration and the payload size.
 * Written apart from libs/push, with its own JWT checks.
 */
export const startApnsStandIn = async (options: ApnsStandInOptions): Promise<ApnsStandIn> => {
  const tls = await testTls();
  const received: ApnsReceived[] = [];
  const refused: ApnsStandIn['refused'] = [];
  const unregistered = new Set<string>();
  const stalled = new Set<string>();
  const publicKeys = new Map(
    await Promise.all(
      [...options.teamKeys].map(
        async ([keyId, key]) =>
          [keyId, { teamId: key.teamId, publicKey: await importSPKI(key.publicKeyPem, 'ES256') }] as const,
      ),
    ),
  );

  const verifyProviderToken = async (authorization: string | undefined) => {
    const providerToken = /^bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!providerToken) throw new Refusal(403, 'MissingProviderToken');
    let keyId: string | undefined;
    try {
      const header = decodeProtectedHeader(providerToken);
      if (header.alg !== 'ES256') throw new Refusal(403, 'InvalidProviderToken');
      keyId = header.kid;
    } catch {
      throw new Refusal(403, 'InvalidProviderToken');
    }
    const teamKey = keyId === undefined ? undefined : publicKeys.get(keyId);
    if (!teamKey) throw new Refusal(403, 'InvalidProviderToken');
    try {
      const { payload } = await jwtVerify(providerToken, teamKey.publicKey, {
        algorithms: ['ES256'],
        issuer: teamKey.teamId,
        requiredClaims: ['iat'],
        maxTokenAge: PROVIDER_TOKEN_MAX_AGE,
      });
      return { providerToken, jwtClaims: payload };
    } catch (error) {
      throw new Refusal(
        403,
        error instanceof errors.JWTExpired ? 'ExpiredProviderToken' : 'InvalidProviderToken',
      );
    }
  };

  const check = async (headers: http2.IncomingHttpHeaders, token: string, body: string) => {
    if (headers[':method'] !== 'POST') throw new Refusal(405, 'MethodNotAllowed');
    if (!token) throw new Refusal(404, 'BadPath');
    const { providerToken, jwtClaims } = await verifyProviderToken(headers.authorization);
    if (!headers['apns-topic']) throw new Refusal(400, 'MissingTopic');
    if (!PUSH_TYPES.has(String(headers['apns-push-type']))) throw new Refusal(400, 'InvalidPushType');
    if (
      headers['apns-priority'] !== undefined &&
      !['1', '5', '10'].includes(String(headers['apns-priority']))
    )
      throw new Refusal(400, 'BadPriority');
    if (headers['apns-expiration'] !== undefined && !/^\d+$/.test(String(headers['apns-expiration'])))
      throw new Refusal(400, 'BadExpirationDate');
    if (Buffer.byteLength(body) > PAYLOAD_LIMIT_BYTES) throw new Refusal(413, 'PayloadTooLarge');
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(body);
    } catch {
      throw new Refusal(400, 'PayloadEmpty');
    }
    if (typeof payload !== 'object' || payload === null || typeof payload.aps !== 'object')
      throw new Refusal(400, 'PayloadEmpty');
    if (unregistered.has(token)) throw new Refusal(410, 'Unregistered');
    return { token, headers, payload, jwtClaims, providerToken };
  };

  const server = http2.createSecureServer({ key: tls.keyPem, cert: tls.certPem });
  server.on('stream', (stream, headers) => {
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('end', () => {
      const token = decodeURIComponent(/^\/3\/device\/([^/]+)$/.exec(headers[':path'] ?? '')?.[1] ?? '');
      if (stalled.has(token)) return;
      check(headers, token, body).then(
        (accepted) => {
          received.push(accepted);
          stream.respond({ ':status': 200, 'apns-id': randomUUID() });
          stream.end();
        },
        (error: unknown) => {
          const refusal = error instanceof Refusal ? error : new Refusal(500, 'InternalServerError');
          refused.push({ token, status: refusal.status, reason: refusal.reason });
          stream.respond({
            ':status': refusal.status,
            'content-type': 'application/json',
            'apns-id': randomUUID(),
          });
          stream.end(
            JSON.stringify(
              refusal.status === 410
                ? { reason: refusal.reason, timestamp: Date.now() }
                : { reason: refusal.reason },
            ),
          );
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sessions = new Set<http2.ServerHttp2Session>();
  let connectionsOpened = 0;
  server.on('session', (session) => {
    connectionsOpened += 1;
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });

  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caPem: tls.caPem,
    received,
    refused,
    unregistered,
    stalled,
    connectionsOpened: () => connectionsOpened,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
};
