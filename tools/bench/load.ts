/**
 * The load generator of `npm run bench`, run as its own process so that it does not share the
 * system's event loop: autocannon against the gateway.
 * argv: <url> <scenario.json> <connections> [durationSeconds]; prints autocannon's result as JSON.
 * Scenarios:
 * - `requests`: one prepared request per target (with a duration the targets are cycled,
 *   otherwise each is sent once);
 * - `passcode`: SRP authentications, each a start request and a complete request whose A and M1
 *   this process computes from the start's salt and B (libs/srp's client, on OpenSSL) with the
 *   user's SRP password P' (the passcode stretched with the policy's KDF once per user, at setup);
 * - `passkey`: WebAuthn authentications, each a start request and a complete request signed by
 *   the software authenticator of libs/testing; this process first registers one passkey per user
 *   (not measured), since the private keys must live where the assertions are made.
 * - `appkey`: FIDO UAF authentications likewise, with the software UAF client and authenticator of
 *   libs/testing (one appkey per user, registered first; the start asks for no push).
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { srpClientProof, srpParameters } from '@identity-store/srp';
import { SoftwareAuthenticator, SoftwareUafAuthenticator, SoftwareUafClient } from '@identity-store/testing';
import { READY, type Scenario } from './load-protocol';

const [url, file, connections, duration] = process.argv.slice(2) as [
  string,
  string,
  string,
  string | undefined,
];
const scenario = JSON.parse(readFileSync(file, 'utf8')) as Scenario;
// A fresh object per request: autocannon writes Content-Length into the headers object it is given.
const headers = () => ({ authorization: `Bearer ${scenario.token}`, 'content-type': 'application/json' });
let next = 0;

const requestsOf = (s: Exclude<Scenario, { kind: 'passkey' | 'appkey' }>): autocannon.Request[] => {
  if (s.kind === 'requests')
    return [
      { setupRequest: (req) => ({ ...req, ...s.requests[next++ % s.requests.length]!, headers: headers() }) },
    ];
  const params = srpParameters(s.srpGroup, s.hash);
  const stores = `/api/identity-store/stores/${s.storeName}`;
  type Context = {
    user?: { id: string; srpPassword: string };
    start?: { sessionId: string; salt: string; B: string };
  };
  return [
    {
      method: 'POST',
      setupRequest: (req, context: Context) => {
        context.user = s.users[next++ % s.users.length]!;
        return {
          ...req,
          headers: headers(),
          path: `${stores}/users/${context.user.id}/passcodes/authentications/${s.policyName}`,
        };
      },
      onResponse: (status, body, context: Context) => {
        // A refused start (e.g. an expired token) would only surface later as a failed proof.
        if (status >= 300) throw new Error(`passcode start answered ${status}: ${body.slice(0, 200)}`);
        context.start = JSON.parse(body);
      },
    },
    {
      method: 'POST',
      setupRequest: (req, context: Context) => {
        const { sessionId, salt, B } = context.start!;
        const { A, M1 } = srpClientProof(params, {
          identity: context.user!.id,
          password: context.user!.srpPassword,
          salt,
          B,
        });
        return {
          ...req,
          headers: headers(),
          path: `${stores}/passcodes/authentications/sessions/${sessionId}`,
          body: JSON.stringify({ A, M1 }),
        };
      },
    },
  ];
};

const requestCount = (s: Scenario) => (s.kind === 'requests' ? s.requests.length : s.users.length * 2);

const authenticator = new SoftwareAuthenticator();

/** Registers one passkey per user with this process's authenticator (16 at a time). */
const registerPasskeys = async (s: Extract<Scenario, { kind: 'passkey' }>) => {
  const post = async (path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: headers(),
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok)
      throw new Error(`setup: POST ${path} answered ${response.status}: ${await response.text()}`);
    return response.json() as Promise<{
      sessionId: string;
      publicKey: Parameters<SoftwareAuthenticator['createCredential']>[0];
    }>;
  };
  const stores = `/api/identity-store/stores/${s.storeName}`;
  for (let i = 0; i < s.users.length; i += 16)
    await Promise.all(
      s.users.slice(i, i + 16).map(async ({ id }) => {
        const started = await post(
          `${stores}/users/${id}/passkeys/relyingParties/${s.rpId}/registrations/${s.policyName}`,
        );
        const credential = authenticator.createCredential(started.publicKey, { origin: s.origin });
        await post(`${stores}/passkeys/registrations/sessions/${started.sessionId}`, credential);
      }),
    );
};

const passkeyRequests = (s: Extract<Scenario, { kind: 'passkey' }>): autocannon.Request[] => {
  const stores = `/api/identity-store/stores/${s.storeName}`;
  type Context = {
    start?: { sessionId: string; publicKey: Parameters<SoftwareAuthenticator['getAssertion']>[0] };
  };
  return [
    {
      method: 'POST',
      setupRequest: (req) => {
        const user = s.users[next++ % s.users.length]!;
        return {
          ...req,
          headers: headers(),
          path: `${stores}/users/${user.id}/passkeys/relyingParties/${s.rpId}/authentications/${s.policyName}`,
        };
      },
      onResponse: (_status, body, context: Context) => {
        context.start = JSON.parse(body);
      },
    },
    {
      method: 'POST',
      setupRequest: (req, context: Context) => {
        const { sessionId, publicKey } = context.start!;
        const assertion = authenticator.getAssertion(publicKey, { origin: s.origin });
        return {
          ...req,
          headers: headers(),
          path: `${stores}/passkeys/authentications/sessions/${sessionId}`,
          body: JSON.stringify(assertion),
        };
      },
    },
  ];
};

type AppkeyScenario = Extract<Scenario, { kind: 'appkey' }>;

/** Registers one appkey per user with this process's UAF client (16 at a time). */
const registerAppkeys = async (s: AppkeyScenario, client: SoftwareUafClient) => {
  const stores = `/api/identity-store/stores/${s.storeName}`;
  const post = async (path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, { method: 'POST', headers: headers(), body: body ? JSON.stringify(body) : undefined });
    if (!response.ok) throw new Error(`setup: POST ${path} answered ${response.status}: ${await response.text()}`);
    return response.json() as Promise<{ sessionId: string; uafRequest: string }>;
  };
  for (let i = 0; i < s.users.length; i += 16)
    await Promise.all(
      s.users.slice(i, i + 16).map(async ({ id }, j) => {
        const started = await post(`${stores}/users/${id}/appkeys/relyingParties/${s.rpId}/registrations/${s.policyName}`);
        await post(`${stores}/appkeys/registrations/sessions/${started.sessionId}`, {
          uafResponse: client.register(started.uafRequest),
          device: { deviceId: `bench-${i + j}`, platform: 'ANDROID' },
        });
      }),
    );
};

const appkeyRequests = (s: AppkeyScenario, client: SoftwareUafClient): autocannon.Request[] => {
  const stores = `/api/identity-store/stores/${s.storeName}`;
  type Context = { start?: { sessionId: string; uafRequest: string } };
  return [
    {
      method: 'POST',
      setupRequest: (req) => {
        const user = s.users[next++ % s.users.length]!;
        return {
          ...req,
          headers: headers(),
          path: `${stores}/users/${user.id}/appkeys/relyingParties/${s.rpId}/authentications/${s.policyName}`,
          body: JSON.stringify({ push: false }),
        };
      },
      onResponse: (status, body, context: Context) => {
        if (status >= 300) throw new Error(`appkey start answered ${status}: ${body.slice(0, 200)}`);
        context.start = JSON.parse(body);
      },
    },
    {
      method: 'POST',
      setupRequest: (req, context: Context) => {
        const { sessionId, uafRequest } = context.start!;
        return {
          ...req,
          headers: headers(),
          path: `${stores}/appkeys/authentications/sessions/${sessionId}`,
          body: JSON.stringify({ uafResponse: client.authenticate(uafRequest) }),
        };
      },
    },
  ];
};

const requestsOfScenario = async (s: Scenario): Promise<autocannon.Request[]> => {
  if (s.kind === 'passkey') {
    await registerPasskeys(s);
    return passkeyRequests(s);
  }
  if (s.kind === 'appkey') {
    const client = new SoftwareUafClient({ facetID: s.facetId, authenticator: new SoftwareUafAuthenticator() });
    await registerAppkeys(s, client);
    return appkeyRequests(s, client);
  }
  return requestsOf(s);
};

const main = async () => {
  const requests = await requestsOfScenario(scenario);
  process.stdout.write(READY);
  const result = await autocannon({
    url,
    connections: Number(connections),
    ...(duration ? { duration: Number(duration) } : { amount: requestCount(scenario) }),
    requests,
  });
  process.stdout.write(JSON.stringify(result));
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
