import { buildOpenApiDocument } from '@identity-store/contracts';
import fc from 'fast-check';
import { ApiModel, refusedByHttp } from './api-model';
import { type Identities, materialize, planArbitrary } from './request-plan';
import { RawHttpClient } from './raw-http';
import { type Fingerprint, StateProbe } from './state-probe';
import { World } from './world';

/**
 * API fuzzing from the OpenAPI document against a running system: requests generated from the
 * document's schemas (valid ones, with the names of real stores, users and sessions, and hostile
 * ones), sent one at a time, each checked by three oracles:
 *
 * 1. no answer ≥ 500 (and every request answered);
 * 2. the answer is a documented one: a documented status of the operation the path reaches (or
 *    404 ROUTE_NOT_FOUND for a path of none), errors as RFC 9457 problems, bodies valid against the
 *    documented schema;
 * 3. a 4xx changes nothing: every service database has the same fingerprint after it as before.
 *    The documented exceptions are recorded failed attempts: a 400 whose body is a `result:
 *    FAILURE` outcome, or PASSKEY_REGISTRATION_FAILED (a wrong code or proof is an event, and counts
 *    toward the lockout), and a refused token issue (401/429), counted in the gateway's
 *    `rate_limits` table and nowhere else. A 2xx may change anything.
 *
 * Requests are generated in chunks of {@link CHUNK} with `fc.sample` from the run's seed, so a seed
 * replays the same sequence of plans (the ids they resolve to are those of that run).
 */

export const CHUNK = 100;

/** Events appended by background work (the session sweeper), `service:type@stream`. */
const BACKGROUND_EVENT = /^\w+:\w+SessionsExpired@/;

export interface FuzzTarget {
  baseUrl: string;
  /** Service name → database URL, every service of the system (the audit projection included). */
  databases: Record<string, string>;
  adminApiKey: string;
}

export interface FuzzOptions {
  seed: number;
  /** Stop after this many requests… */
  runs?: number;
  /** …or after this many seconds (whichever comes first). */
  seconds?: number;
  /** How long a 2xx's events may take to reach the audit projection. */
  projectionTimeoutMs?: number;
  /**
   * Compare the audit projection's database too (default). Off on a shared Kafka broker, where the
   * projection also applies other systems' events (the source databases are compared either way).
   */
  compareProjection?: boolean;
  log?: (line: string) => void;
}

export type ViolationKind =
  '5xx' | 'no-answer' | 'undocumented' | 'state-changed-on-4xx' | 'projection-stalled' | 'prototype-polluted';

export interface Violation {
  kind: ViolationKind;
  seed: number;
  /** 1-based number of the request in the run (replay: same seed, same number). */
  request: number;
  operationId: string;
  method: string;
  target: string;
  label: string;
  status: number | null;
  detail: string;
  /** The first bytes of the request body. */
  body: string;
}

export interface FuzzReport {
  seed: number;
  requests: number;
  seconds: number;
  /** By planned operation: requests and status classes. */
  byOperation: Record<string, Record<string, number>>;
  statuses: Record<string, number>;
  classes: Record<string, number>;
  /** By problem `code` (or `result` for outcome bodies) of the 4xx answers. */
  errorCodes: Record<string, number>;
  /** 2xx answers that changed a database, and recorded-failure 4xx answers. */
  stateChanges: { by2xx: number; byRecordedFailure: number; byBackgroundWork: number };
  storesSeeded: number;
  violations: Violation[];
}

const RESTRICTED_PERMISSIONS = [
  'getStore',
  'listStores',
  'listUsers',
  'getUser',
  'createUser',
  'authenticateTotp',
  'startPasscodeAuthentication',
  'listApiKeys',
].map((operationId) => `IdentityStore:${operationId}`);

const excerpt = (body: Buffer | undefined) => {
  if (!body) return '';
  const text = body.subarray(0, 300).toString('utf8');
  return body.length > 300 ? `${text}… (${body.length} bytes)` : text;
};

const mediaTypeOf = (contentType: string | string[] | undefined) =>
  (Array.isArray(contentType) ? contentType[0] : contentType)?.split(';')[0]?.trim().toLowerCase();

/** A 4xx that the contract documents as a recorded outcome (it appends events). */
export const isRecordedFailure = (
  operationId: string,
  status: number,
  mediaType: string | undefined,
  body: unknown,
  changes: Array<{ service: string; table: string }>,
): boolean => {
  // Failed token issues are counted per client address (the rate limit of the issue endpoint).
  if (operationId === 'issueToken' && (status === 401 || status === 429))
    return changes.every((change) => change.service === 'gateway' && change.table === 'rate_limits');
  if (status !== 400 || body === null || typeof body !== 'object') return false;
  const { result, code } = body as { result?: string; code?: string };
  return (
    (mediaType === 'application/json' && result === 'FAILURE') ||
    (mediaType === 'application/problem+json' && code === 'PASSKEY_REGISTRATION_FAILED')
  );
};

export const runFuzz = async (target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> => {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const deadline = options.seconds !== undefined ? started + options.seconds * 1000 : Infinity;
  const maxRuns = options.runs ?? Infinity;
  if (maxRuns === Infinity && deadline === Infinity) throw new Error('runFuzz needs runs or seconds');
  const projectionTimeoutMs = options.projectionTimeoutMs ?? 20_000;

  const model = new ApiModel(buildOpenApiDocument() as ConstructorParameters<typeof ApiModel>[0]);
  const client = new RawHttpClient(target.baseUrl);
  const world = new World();
  const probe = await StateProbe.connect(target.databases);
  const compared = options.compareProjection === false ? probe.sourceServices : Object.keys(target.databases);
  // The system runs in this process: a request that pollutes Object.prototype shows here.
  const prototypes = { Object: Object.prototype, Array: Array.prototype, Function: Function.prototype };
  const prototypeKeys = Object.fromEntries(
    Object.entries(prototypes).map(([name, proto]) => [
      name,
      Reflect.ownKeys(proto).map(String).sort().join(','),
    ]),
  );
  const report: FuzzReport = {
    seed: options.seed,
    requests: 0,
    seconds: 0,
    byOperation: {},
    statuses: {},
    classes: {},
    errorCodes: {},
    stateChanges: { by2xx: 0, byRecordedFailure: 0, byBackgroundWork: 0 },
    storesSeeded: 0,
    violations: [],
  };

  const issue = async (apiKey: string): Promise<string> => {
    const answer = await client.send({
      method: 'POST',
      target: '/api/arthr/apiKeys/issue',
      headers: { 'x-api-key': apiKey },
    });
    if (answer.status !== 200)
      throw new Error(`issuing a token answered ${answer.status}: ${answer.body.toString()}`);
    return (JSON.parse(answer.body.toString()) as { token: string }).token;
  };
  const identities: Identities = {
    adminToken: '',
    adminApiKey: target.adminApiKey,
    restrictedApiKey: '',
    restrictedToken: '',
  };
  let tokensIssuedAt = Date.now();

  /**
   * Waits until the projection has applied everything appended since `from`, including what
   * background work (the session sweeper) appends meanwhile: until no source database changed
   * while waiting. The fingerprint it returns is a quiet system's.
   */
  const settle = async (
    from: Fingerprint,
    seen: Fingerprint,
  ): Promise<{ fingerprint: Fingerprint; missing: string[] }> => {
    let last = seen;
    for (;;) {
      const missing = await probe.awaitProjection(from, projectionTimeoutMs);
      const now = await probe.fingerprint();
      if (missing.length || StateProbe.diff(last, now, probe.sourceServices).length === 0)
        return { fingerprint: now, missing };
      last = now;
    }
  };

  /** Seeds a store (waiting for its projection); returns the new quiet fingerprint. */
  const seed = async (): Promise<Fingerprint> => {
    const before = await probe.fingerprint();
    await world.seedStore(client, identities.adminToken);
    report.storesSeeded++;
    const { fingerprint, missing } = await settle(before, await probe.fingerprint());
    if (missing.length) throw new Error(`seeding: the projection did not apply ${missing.join(', ')}`);
    return fingerprint;
  };
  /** A key limited to a few operations and the first store (403 paths), and its token. */
  const createRestrictedKey = async () => {
    const created = await client.json('POST', '/api/arthr/apiKeys', {
      token: identities.adminToken,
      body: {
        name: 'fuzz-restricted',
        permissions: RESTRICTED_PERMISSIONS,
        stores: [world.storeList()[0]!.name],
      },
    });
    if (created.status !== 201)
      throw new Error(`createApiKey answered ${created.status}: ${JSON.stringify(created.body)}`);
    const key = created.body as { id: string; key: string };
    world.apiKeyIds.push(key.id);
    identities.restrictedApiKey = key.key;
    identities.restrictedToken = await issue(key.key);
  };

  try {
    identities.adminToken = await issue(target.adminApiKey);
    const beforeSetup = await probe.fingerprint();
    await seed();
    await seed();
    await world.seedEmptyStore(client, identities.adminToken);
    await createRestrictedKey();
    const setUp = await settle(beforeSetup, await probe.fingerprint());
    if (setUp.missing.length)
      throw new Error(`seeding: the projection did not apply ${setUp.missing.join(', ')}`);
    let current = setUp.fingerprint;
    log(
      `API fuzzing: seed ${options.seed}; world: ${world.storeList().length} stores, ${world.credentials.length} credentials, ${world.sessions.length} open sessions`,
    );

    /** The last requests (for a report of what came before a violation). */
    const recent: string[] = [];
    const plans = planArbitrary(model);
    for (let chunk = 0; report.requests < maxRuns && Date.now() < deadline; chunk++) {
      const batch = fc.sample(plans, { seed: (options.seed + chunk * 7919) | 0, numRuns: CHUNK });
      for (const plan of batch) {
        if (report.requests >= maxRuns || Date.now() >= deadline) break;
        if (world.richStores().length < 1) current = await seed();
        if (Date.now() - tokensIssuedAt > 10 * 60_000) {
          identities.adminToken = await issue(target.adminApiKey);
          await createRestrictedKey();
          tokensIssuedAt = Date.now();
          current = await probe.fingerprint();
        }
        const number = ++report.requests;
        const { request, planned, params, label } = materialize(plan, model, world, identities);
        const violation = (kind: ViolationKind, status: number | null, detail: string) => {
          const found: Violation = {
            kind,
            seed: options.seed,
            request: number,
            operationId: planned.operationId,
            method: request.method,
            target:
              request.target.length > 300
                ? `${request.target.slice(0, 300)}… (${request.target.length} chars)`
                : request.target,
            label,
            status,
            detail,
            body: excerpt(request.body),
          };
          report.violations.push(found);
          log(`VIOLATION ${formatViolation(found)}`);
        };
        const counts = (report.byOperation[planned.operationId] ??= { requests: 0 });
        counts.requests!++;

        let response;
        try {
          response = await client.send(request);
        } catch (error) {
          counts['no answer'] = (counts['no answer'] ?? 0) + 1;
          report.classes['no answer'] = (report.classes['no answer'] ?? 0) + 1;
          violation('no-answer', null, (error as Error).message);
          current = (await settle(current, await probe.fingerprint())).fingerprint;
          continue;
        }
        const { status } = response;
        const reached = refusedByHttp(request.target, request.headers)
          ? undefined
          : model.match(request.method, request.target.split('?')[0]!);
        // 501 is the documented answer of an operation the contract marks `x-implemented: false`.
        const notImplemented = status === 501 && reached !== undefined && !reached.implemented;
        const statusClass = notImplemented ? '501 (x-implemented: false)' : `${Math.floor(status / 100)}xx`;
        counts[statusClass] = (counts[statusClass] ?? 0) + 1;
        report.classes[statusClass] = (report.classes[statusClass] ?? 0) + 1;
        report.statuses[status] = (report.statuses[status] ?? 0) + 1;
        const mediaType = mediaTypeOf(response.headers['content-type']);
        let body: unknown;
        try {
          body = response.body.length ? JSON.parse(response.body.toString('utf8')) : undefined;
        } catch {
          body = undefined;
        }
        if (status >= 400 && body && typeof body === 'object') {
          const code =
            (body as { code?: string; result?: string }).code ?? (body as { result?: string }).result ?? '?';
          report.errorCodes[`${status} ${code}`] = (report.errorCodes[`${status} ${code}`] ?? 0) + 1;
        }

        if (status >= 500 && !notImplemented) violation('5xx', status, excerpt(response.body));
        for (const [name, proto] of Object.entries(prototypes))
          if (Reflect.ownKeys(proto).map(String).sort().join(',') !== prototypeKeys[name])
            violation(
              'prototype-polluted',
              status,
              `${name}.prototype now has: ${Reflect.ownKeys(proto).map(String).join(', ')}`,
            );
        const problems = model.checkResponse(reached, {
          status,
          contentType: mediaType,
          body: response.body,
          requestHadBody: request.body !== undefined || request.headers['content-type'] !== undefined,
        });
        if (problems.length)
          violation(
            'undocumented',
            status,
            `${reached?.operationId ?? 'no operation'}: ${problems.join('; ')}`,
          );

        const after = await probe.fingerprint();
        const changes = StateProbe.diff(current, after, compared);
        const sourceChanged = StateProbe.diff(current, after, probe.sourceServices).length > 0;
        if (changes.length && status >= 400 && status < 500) {
          if (isRecordedFailure(reached?.operationId ?? '', status, mediaType, body, changes))
            report.stateChanges.byRecordedFailure++;
          else {
            const events = await probe.eventsSince(current);
            // The session sweeper closes expired sessions on its own schedule: a request that ran
            // while it did sees its events (and nothing else).
            if (events.length > 0 && events.every((event) => BACKGROUND_EVENT.test(event)))
              report.stateChanges.byBackgroundWork++;
            else {
              const rows = await probe.recentlyUpdated(changes);
              violation(
                'state-changed-on-4xx',
                status,
                `${excerpt(response.body)} — changed: ${changes.map((c) => `${c.service}.${c.table}`).join(', ')}` +
                  `${events.length ? `; events: ${events.join(', ')}` : ''}${rows.length ? `; rows: ${rows.join(', ')}` : ''}` +
                  `; before it: ${recent.join(' | ')}`,
              );
            }
          }
        } else if (changes.length && status < 300) report.stateChanges.by2xx++;
        if (sourceChanged) {
          const settled = await settle(current, after);
          if (settled.missing.length)
            violation(
              'projection-stalled',
              status,
              `not projected within ${projectionTimeoutMs} ms: ${settled.missing.join(', ')}`,
            );
          current = settled.fingerprint;
        } else current = after;

        recent.push(
          `#${number} ${request.method} ${request.target.slice(0, 120)} → ${status}${sourceChanged ? ' (changed state)' : ''} at ${new Date().toISOString()}`,
        );
        if (recent.length > 4) recent.shift();
        if (reached === planned) world.learn(planned.operationId, params, status, body);
        if (plan.auth.kind === 'restricted' && status === 401 && planned.security === 'bearer') {
          await createRestrictedKey(); // the fuzzer revoked or re-keyed it
          current = await probe.fingerprint();
        }
        if (number % 250 === 0)
          log(
            `… ${number} requests, ${((Date.now() - started) / 1000).toFixed(0)} s, ${report.violations.length} violations`,
          );
      }
    }
  } finally {
    report.seconds = (Date.now() - started) / 1000;
    client.close();
    await probe.close();
  }
  return report;
};

export const formatViolation = (v: Violation): string =>
  `[${v.kind}] seed ${v.seed} request #${v.request} ${v.operationId}: ${v.method} ${v.target} (${v.label}) → ${v.status ?? 'no answer'}: ${v.detail}${v.body ? `\n    body: ${v.body}` : ''}`;

/** The run's summary: totals, status classes, requests by operation, and every violation. */
export const formatReport = (report: FuzzReport): string => {
  const lines: string[] = [];
  const sorted = (record: Record<string, number>) =>
    Object.entries(record)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, n]) => `${key}: ${n}`)
      .join(', ');
  lines.push(
    `API fuzzing — seed ${report.seed} (replay: FUZZ_SEED=${report.seed}): ${report.requests} requests in ${report.seconds.toFixed(1)} s, ` +
      `${report.violations.length} violation(s), ${report.classes['5xx'] ?? 0} answer(s) ≥ 500 ` +
      `(besides ${report.classes['501 (x-implemented: false)'] ?? 0} documented 501s of operations not implemented yet)`,
  );
  lines.push(`status classes: ${sorted(report.classes)}`);
  lines.push(`statuses: ${sorted(report.statuses)}`);
  lines.push(
    `state changes: ${report.stateChanges.by2xx} by 2xx answers, ${report.stateChanges.byRecordedFailure} by recorded failures (400 FAILURE outcomes, counted token-issue failures), ${report.stateChanges.byBackgroundWork} by the session sweeper during a 4xx; stores seeded: ${report.storesSeeded}`,
  );
  lines.push(`4xx codes: ${sorted(report.errorCodes)}`);
  lines.push('requests by operation (planned): requests / 2xx / 4xx / 5xx');
  for (const [operationId, counts] of Object.entries(report.byOperation).sort(([a], [b]) => (a < b ? -1 : 1)))
    lines.push(
      `  ${operationId.padEnd(40)} ${String(counts.requests ?? 0).padStart(5)} ${String(counts['2xx'] ?? 0).padStart(5)} ${String(counts['4xx'] ?? 0).padStart(5)} ${String(counts['5xx'] ?? 0).padStart(5)}`,
    );
  if (report.violations.length) {
    lines.push('violations:');
    for (const violation of report.violations) lines.push(`  ${formatViolation(violation)}`);
  }
  return lines.join('\n');
};
