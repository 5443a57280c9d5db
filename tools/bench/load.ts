/**
 * The load generator of `npm run bench`, run as its own process so that it does not share the
 * system's event loop: autocannon against the gateway.
 * argv: <url> <scenario.json> <connections> [durationSeconds]; prints autocannon's result as JSON.
 * Scenarios:
 * - `requests`: one prepared request per target (with a duration the targets are cycled,
 *   otherwise each is sent once);
 * - `passcode`: SRP authentications, each a start request and a complete request whose A and M1
 *   this process computes from the start's salt and B (libs/srp's client, on OpenSSL).
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { type SrpGroupBits, type SrpHashName, srpClientProof, srpParameters } from '@identity-store/srp';

export type Scenario = { token: string } & (
  | { kind: 'requests'; requests: Array<{ method: 'GET' | 'POST'; path: string; body?: string }> }
  | {
      kind: 'passcode';
      storeName: string;
      policyName: string;
      srpGroup: SrpGroupBits;
      hash: SrpHashName;
      users: Array<{ id: string; password: string }>;
    }
);

const [url, file, connections, duration] = process.argv.slice(2) as [string, string, string, string | undefined];
const scenario = JSON.parse(readFileSync(file, 'utf8')) as Scenario;
// A fresh object per request: autocannon writes Content-Length into the headers object it is given.
const headers = () => ({ authorization: `Bearer ${scenario.token}`, 'content-type': 'application/json' });
let next = 0;

const requestsOf = (s: Scenario): autocannon.Request[] => {
  if (s.kind === 'requests')
    return [{ setupRequest: (req) => ({ ...req, ...s.requests[next++ % s.requests.length]!, headers: headers() }) }];
  const params = srpParameters(s.srpGroup, s.hash);
  const stores = `/api/identity-store/stores/${s.storeName}`;
  type Context = { user?: { id: string; password: string }; start?: { sessionId: string; salt: string; B: string } };
  return [
    {
      method: 'POST',
      setupRequest: (req, context: Context) => {
        context.user = s.users[next++ % s.users.length]!;
        return { ...req, headers: headers(), path: `${stores}/users/${context.user.id}/passcodes/authentications/${s.policyName}` };
      },
      onResponse: (_status, body, context: Context) => {
        context.start = JSON.parse(body);
      },
    },
    {
      method: 'POST',
      setupRequest: (req, context: Context) => {
        const { sessionId, salt, B } = context.start!;
        const { A, M1 } = srpClientProof(params, { identity: context.user!.id, password: context.user!.password, salt, B });
        return { ...req, headers: headers(), path: `${stores}/passcodes/authentications/sessions/${sessionId}`, body: JSON.stringify({ A, M1 }) };
      },
    },
  ];
};

const requestCount = (s: Scenario) => (s.kind === 'requests' ? s.requests.length : s.users.length * 2);

autocannon(
  {
    url,
    connections: Number(connections),
    ...(duration ? { duration: Number(duration) } : { amount: requestCount(scenario) }),
    requests: requestsOf(scenario),
  },
  (error, result) => {
    if (error) throw error;
    process.stdout.write(JSON.stringify(result));
  },
);
