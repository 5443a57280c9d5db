/** Figures of the fault-injection run: tallies per phase, the console table and the docs/reliability.md section. */
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './apps';
import type { Issue, IssueKind, RequestRecord } from './verify';

export interface RequestTally {
  total: number;
  ok: number;
  clientErrors: number;
  serverErrors: number;
  /** 500 Internal Server Error: never acceptable. */
  internalErrors: number;
  /** 503 with Retry-After. */
  unavailable: number;
  /** 503 without Retry-After. */
  unavailableBare: number;
  /** 502: the gateway lost the connection to a service (in flight when it was killed). */
  badGateway: number;
  /** Any other 5xx. */
  otherServerErrors: number;
  /** No answer from the gateway at all. */
  connectionErrors: number;
  timeouts: number;
  /** 5xx and unanswered requests by operation, e.g. `{ "createUser 500": 3 }`. */
  failedByOperation: Record<string, number>;
  /** Why the answers fail the phase (empty: they pass). */
  failures: string[];
}

export const tallyRequests = (
  records: RequestRecord[],
  tolerance: { unavailable: boolean; connectionLost: boolean },
): RequestTally => {
  const t: RequestTally = {
    total: records.length,
    ok: 0,
    clientErrors: 0,
    serverErrors: 0,
    internalErrors: 0,
    unavailable: 0,
    unavailableBare: 0,
    badGateway: 0,
    otherServerErrors: 0,
    connectionErrors: 0,
    timeouts: 0,
    failedByOperation: {},
    failures: [],
  };
  for (const { op, outcome } of records) {
    const label =
      outcome.kind === 'answer'
        ? `${op} ${outcome.status}${outcome.status === 503 && outcome.retryAfter ? ' (Retry-After)' : ''}`
        : `${op} ${outcome.kind}`;
    if (outcome.kind === 'connection-error') t.connectionErrors++;
    else if (outcome.kind === 'timeout') t.timeouts++;
    else if (outcome.status < 400) t.ok++;
    else if (outcome.status < 500) t.clientErrors++;
    else {
      t.serverErrors++;
      if (outcome.status === 500) t.internalErrors++;
      else if (outcome.status === 503 && outcome.retryAfter) t.unavailable++;
      else if (outcome.status === 503) t.unavailableBare++;
      else if (outcome.status === 502) t.badGateway++;
      else t.otherServerErrors++;
    }
    if (outcome.kind !== 'answer' || outcome.status >= 500)
      t.failedByOperation[label] = (t.failedByOperation[label] ?? 0) + 1;
  }
  if (t.internalErrors) t.failures.push(`${t.internalErrors} × 500`);
  if (t.unavailableBare) t.failures.push(`${t.unavailableBare} × 503 without Retry-After`);
  if (t.unavailable && !tolerance.unavailable)
    t.failures.push(`${t.unavailable} × 503 while no dependency was down`);
  if (t.badGateway && !tolerance.connectionLost)
    t.failures.push(`${t.badGateway} × 502 while no service was killed`);
  if (t.otherServerErrors) t.failures.push(`${t.otherServerErrors} × other 5xx`);
  if (t.connectionErrors) t.failures.push(`${t.connectionErrors} connection errors at the gateway`);
  if (t.timeouts) t.failures.push(`${t.timeouts} requests without an answer in 45 s`);
  return t;
};

export interface PhaseFigures {
  phase: string;
  title: string;
  faults: string;
  seconds: number;
  requests: RequestTally;
  /** Events appended to the services' streams during the phase. */
  eventsAppended: number;
  /** Events the phase's answers acknowledged (each checked to be in its stream exactly once). */
  acknowledged: number;
  /** Issues attributed to the phase (its answers, or events appended during it). */
  issues: Issue[];
  /** Seconds until the pipeline drained after the load stopped; null: not within the bound. */
  drainedAfter: number | null;
  unexpectedExits: string[];
  users: number;
}

const count = (issues: Issue[], ...kinds: IssueKind[]) => issues.filter((i) => kinds.includes(i.kind)).length;

const verdictOf = (f: PhaseFigures): string[] => [
  ...f.requests.failures,
  ...(f.issues.length ? [`${f.issues.length} event issues`] : []),
  ...(f.drainedAfter === null ? ['pipeline not drained'] : []),
  ...f.unexpectedExits.map((exit) => `${exit} exited on its own`),
];

const row = (f: PhaseFigures) => ({
  lost: count(f.issues, 'lost'),
  duplicated: count(f.issues, 'duplicated'),
  notProjected: count(f.issues, 'not-projected', 'wrong-projection'),
  summaries: count(f.issues, 'summary-mismatch'),
});

export const requestTable = (figures: PhaseFigures[]) => [
  '| phase | fault | requests | 2xx | 4xx | 5xx | of which 500 | 503 + Retry-After | 502 (killed service) | other 5xx, 503 without Retry-After | no answer (connection error, timeout) |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...figures.map((f) => {
    const r = f.requests;
    return `| ${f.phase} | ${f.title} | ${r.total} | ${r.ok} | ${r.clientErrors} | ${r.serverErrors} | ${r.internalErrors} | ${r.unavailable} | ${r.badGateway} | ${r.otherServerErrors + r.unavailableBare} | ${r.connectionErrors + r.timeouts} |`;
  }),
];

export const eventTable = (figures: PhaseFigures[]) => [
  '| phase | events appended | acknowledged by answers | lost | duplicated | not projected or wrongly | summaryInfo mismatches | drained after | verdict |',
  '|---|---|---|---|---|---|---|---|---|',
  ...figures.map((f) => {
    const r = row(f);
    const verdict = verdictOf(f);
    return `| ${f.phase} | ${f.eventsAppended} | ${f.acknowledged} | ${r.lost} | ${r.duplicated} | ${r.notProjected} | ${r.summaries} | ${f.drainedAfter === null ? 'not drained' : `${f.drainedAfter.toFixed(1)} s`} | ${verdict.length ? `FAIL: ${verdict.join('; ')}` : 'pass'} |`;
  }),
];

const examples = (figures: PhaseFigures[], limit = 5) =>
  figures.flatMap((f) => {
    const lines: string[] = [];
    const failed = Object.entries(f.requests.failedByOperation).sort((a, b) => b[1] - a[1]);
    if (failed.length)
      lines.push(
        `  ${f.phase}: 5xx and unanswered by operation: ${failed.map(([k, v]) => `${k} × ${v}`).join(', ')}`,
      );
    const byKind = new Map<IssueKind, Issue[]>();
    for (const issue of f.issues) byKind.set(issue.kind, [...(byKind.get(issue.kind) ?? []), issue]);
    for (const [kind, issues] of byKind) {
      lines.push(`  ${f.phase}: ${issues.length} ${kind}, e.g.`);
      for (const issue of issues.slice(0, limit)) lines.push(`    - ${issue.detail}`);
    }
    return lines;
  });

export interface FinalCheck {
  issues: Issue[];
  drained: boolean;
}

/** Prints the tables and what failed; returns whether the run failed. */
export const printFigures = (figures: PhaseFigures[], say: (line: string) => void, final?: FinalCheck) => {
  for (const line of [...requestTable(figures), '', ...eventTable(figures)]) say(line);
  for (const line of examples(figures)) say(line);
  const failedPhases = figures.filter((f) => verdictOf(f).length);
  let failed = failedPhases.length > 0;
  if (final) {
    const kinds = new Map<IssueKind, number>();
    for (const issue of final.issues) kinds.set(issue.kind, (kinds.get(issue.kind) ?? 0) + 1);
    say(
      `whole run after the pipeline drained${final.drained ? '' : ' (NOT drained)'}: ${
        final.issues.length
          ? [...kinds].map(([k, n]) => `${n} ${k}`).join(', ')
          : 'every acknowledged event in its stream exactly once, every event projected exactly once'
      }`,
    );
    failed ||= final.issues.length > 0 || !final.drained;
  }
  return { failed };
};

const BEGIN = '<!-- npm run chaos: generated section begins -->';
const END = '<!-- npm run chaos: generated section ends -->';
const SECTION = '## Fault injection';

/** Replaces the generated part of the "Fault injection" section of docs/reliability.md (creating what is missing). */
export const writeReliabilityDoc = (run: {
  figures: PhaseFigures[];
  final: FinalCheck;
  unexpectedExits: { instance: string; phase: string; code: number | null; signal: string | null }[];
  clients: number;
  loadAverage: string;
  seconds: number;
}) => {
  const total = (pick: (f: PhaseFigures) => number) => run.figures.reduce((sum, f) => sum + pick(f), 0);
  const kinds = (kind: IssueKind) => run.final.issues.filter((i) => i.kind === kind).length;
  const generated = [
    BEGIN,
    `Measured by \`npm run chaos\` on ${new Date().toISOString()} in ${run.seconds.toFixed(0)} s.`,
    '',
    `- Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${execSync('psql --version 2>/dev/null || echo PostgreSQL unknown').toString().trim()}; 1-minute load average when the run started: ${run.loadAverage} (the machine is shared).`,
    `- Load: ${run.clients} concurrent clients through the gateway; ${run.figures.at(-1)?.users ?? 0} users created in all, each with a TOTP, a passcode and a passkey registered; TOTP authentications with valid and invalid codes, passcode (SRP) authentications with right and wrong passwords, passkey (WebAuthn) authentications.`,
    `- Whole run, after the pipeline drained: ${total((f) => f.requests.total)} requests, ${total((f) => f.eventsAppended)} events appended, ${total((f) => f.acknowledged)} acknowledged by answers; lost ${kinds('lost')}, duplicated ${kinds('duplicated')}, not projected or wrongly ${kinds('not-projected') + kinds('wrong-projection')}, summaryInfo mismatches ${kinds('summary-mismatch')}${run.final.drained ? '' : ' (the pipeline did NOT drain)'}; processes that exited on their own: ${run.unexpectedExits.length ? run.unexpectedExits.map((e) => `${e.instance} in phase ${e.phase}`).join(', ') : 'none'}.`,
    '',
    'Faults as injected:',
    '',
    ...run.figures.map((f) => `- ${f.phase}: ${f.faults} (phase ${f.seconds.toFixed(0)} s).`),
    '',
    ...requestTable(run.figures),
    '',
    ...eventTable(run.figures),
    '',
    ...(examples(run.figures).length
      ? [
          '5xx answers by operation, and issues (first examples), per phase:',
          '',
          '```',
          ...examples(run.figures),
          '```',
          '',
        ]
      : []),
    END,
  ].join('\n');
  const file = path.join(REPO, 'docs', 'reliability.md');
  let doc = existsSync(file) ? readFileSync(file, 'utf8') : '# Reliability\n';
  if (doc.includes(BEGIN) && doc.includes(END))
    doc = doc.slice(0, doc.indexOf(BEGIN)) + generated + doc.slice(doc.indexOf(END) + END.length);
  else if (doc.includes(SECTION)) {
    const at = doc.indexOf('\n', doc.indexOf(SECTION)) + 1;
    doc = `${doc.slice(0, at)}\n${generated}\n${doc.slice(at)}`;
  } else doc = `${doc.trimEnd()}\n\n${SECTION}\n\n${generated}\n`;
  writeFileSync(file, doc);
};
