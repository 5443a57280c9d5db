import { randomBytes } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importSPKI, type JWTPayload, jwtVerify } from 'jose';
import { testTls } from './push-test-keys';

export interface FcmStandInOptions {
  /** The service account: its client_email and the SPKI PEM of its RSA key. */
  clientEmail: string;
  publicKeyPem: string;
  /** The Firebase project messages are accepted for. Default 'test-project'. */
  projectId?: string;
  /** expires_in of the access tokens issued. Default 3600. */
  accessTokenLifetimeSeconds?: number;
}

/** A message the stand-in accepted. */
export interface FcmReceived {
  projectId: string;
  accessToken: string;
  message: {
    token: string;
    data?: Record<string, string>;
    android?: { ttl?: string; priority?: string };
    notification?: unknown;
  };
}

export interface FcmStandIn {
  /** https://127.0.0.1:<port>: the FCM endpoint to configure. */
  url: string;
  /** The token endpoint to configure (and the audience assertions must name). */
  tokenUrl: string;
  caPem: string;
  /** The claims of every assertion that was granted an access token. */
  grants: JWTPayload[];
  received: FcmReceived[];
  /** Requests answered with an error: which endpoint, the status and the error code. */
  refused: { endpoint: 'token' | 'send'; status: number; error: string }[];
  /** Device tokens answered 404 UNREGISTERED. */
  unregistered: Set<string>;
  /** Makes every access token issued so far invalid (answered 401 UNAUTHENTICATED). */
  revokeAccessTokens(): void;
  close(): Promise<void>;
}

const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MAX_ASSERTION_LIFETIME_SECONDS = 3600;

class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly body: unknown,
  ) {
    super(error);
  }
}

/** Google's OAuth error shape. */
const oauthRefusal = (error: string, description: string) =>
  new Refusal(400, error, { error, error_description: description });

/** Google's API error shape, with an FCM error code in the details when given. */
const apiRefusal = (code: number, status: string, errorCode?: string) =>
  new Refusal(code, errorCode ?? status, {
    error: {
      code,
      message: status,
      status,
      ...(errorCode
        ? { details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }] }
        : {}),
    },
  });

/**
 * A local Google token endpoint and FCM HTTP v1 (HTTPS, certificate from the test CA). The token
 * endpoint checks the JWT-bearer assertion (RS256 signature with the service account's key, iss =
 * clientEmail, aud = its own URL, the messaging scope, exp at most an hour after iat) and issues
 * access tokens; `messages:send` checks the bearer token, the project and the message's shape.
 * Written apart from libs/push, with its own JWT checks.
 */
export const startFcmStandIn = async (options: FcmStandInOptions): Promise<FcmStandIn> => {
  const tls = await testTls();
  const projectId = options.projectId ?? 'test-project';
  const lifetimeSeconds = options.accessTokenLifetimeSeconds ?? 3600;
  const publicKey = await importSPKI(options.publicKeyPem, 'RS256');
  const accessTokens = new Map<string, number>();
  const standIn: Omit<FcmStandIn, 'url' | 'tokenUrl' | 'revokeAccessTokens' | 'close'> = {
    caPem: tls.caPem,
    grants: [],
    received: [],
    refused: [],
    unregistered: new Set(),
  };
  let tokenUrl = '';

  const grant = async (body: string) => {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== JWT_BEARER_GRANT)
      throw oauthRefusal('unsupported_grant_type', 'Invalid grant_type');
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(form.get('assertion') ?? '', publicKey, {
        algorithms: ['RS256'],
        issuer: options.clientEmail,
        audience: tokenUrl,
        requiredClaims: ['iat', 'exp'],
      }));
    } catch {
      throw oauthRefusal('invalid_grant', 'Invalid JWT Signature.');
    }
    if ((claims.exp as number) - (claims.iat as number) > MAX_ASSERTION_LIFETIME_SECONDS)
      throw oauthRefusal('invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes)');
    if (
      !String(claims.scope ?? '')
        .split(' ')
        .includes(FCM_SCOPE)
    )
      throw oauthRefusal('invalid_scope', 'Invalid OAuth scope');
    const accessToken = `ya29.${randomBytes(24).toString('base64url')}`;
    accessTokens.set(accessToken, Date.now() + lifetimeSeconds * 1000);
    standIn.grants.push(claims);
    return { access_token: accessToken, expires_in: lifetimeSeconds, token_type: 'Bearer' };
  };

  const send = async (path: string, authorization: string | undefined, body: string) => {
    const accessToken = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '';
    const expiresAt = accessTokens.get(accessToken);
    if (expiresAt === undefined || expiresAt <= Date.now()) throw apiRefusal(401, 'UNAUTHENTICATED');
    const project = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(path)?.[1];
    if (project !== projectId) throw apiRefusal(403, 'PERMISSION_DENIED', 'SENDER_ID_MISMATCH');
    let message: FcmReceived['message'];
    try {
      message = JSON.parse(body).message;
    } catch {
      throw apiRefusal(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT');
    }
    const dataIsStrings = Object.values(message?.data ?? {}).every((value) => typeof value === 'string');
    const ttlIsDuration = message?.android?.ttl === undefined || /^\d+(\.\d+)?s$/.test(message.android.ttl);
    if (typeof message?.token !== 'string' || !dataIsStrings || !ttlIsDuration)
      throw apiRefusal(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT');
    if (standIn.unregistered.has(message.token)) throw apiRefusal(404, 'NOT_FOUND', 'UNREGISTERED');
    standIn.received.push({ projectId, accessToken, message });
    return { name: `projects/${projectId}/messages/${randomBytes(8).toString('hex')}` };
  };

  const answer = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };

  const server = https.createServer(
    { key: tls.keyPem, cert: tls.certPem },
    (request: IncomingMessage, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        const endpoint = request.url === '/token' ? 'token' : 'send';
        const work =
          request.method !== 'POST'
            ? Promise.reject(apiRefusal(405, 'METHOD_NOT_ALLOWED'))
            : endpoint === 'token'
              ? grant(body)
              : send(request.url ?? '', request.headers.authorization, body);
        work.then(
          (result) => answer(response, 200, result),
          (error: unknown) => {
            const refusal = error instanceof Refusal ? error : apiRefusal(500, 'INTERNAL');
            standIn.refused.push({ endpoint, status: refusal.status, error: refusal.error });
            answer(response, refusal.status, refusal.body);
          },
        );
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tokenUrl = `${url}/token`;

  return {
    ...standIn,
    url,
    tokenUrl,
    revokeAccessTokens: () => accessTokens.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
