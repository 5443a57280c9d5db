/**
 * The load generator of `npm run bench`, run as its own process so that it does not share the
 * system's event loop: autocannon against the gateway, one request per prepared target.
 * argv: <url> <targets.json> <connections> [durationSeconds]; prints autocannon's result as JSON.
 * targets.json: Array<{ method, path, body? }> plus a bearer token; with a duration the targets
 * are cycled, otherwise each is sent once.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

interface Targets {
  token: string;
  requests: Array<{ method: 'GET' | 'POST'; path: string; body?: string }>;
}

const [url, file, connections, duration] = process.argv.slice(2);
const { token, requests } = JSON.parse(readFileSync(file!, 'utf8')) as Targets;
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
let next = 0;

autocannon(
  {
    url: url!,
    connections: Number(connections),
    ...(duration ? { duration: Number(duration) } : { amount: requests.length }),
    requests: [
      {
        setupRequest: (req) => {
          const target = requests[next++ % requests.length]!;
          return { ...req, ...target, headers };
        },
      },
    ],
  },
  (error, result) => {
    if (error) throw error;
    process.stdout.write(JSON.stringify(result));
  },
);
