import type { RequestHandler } from 'express';
import { HttpProblem, UNAVAILABLE_RETRY_AFTER_SECONDS } from './problem';
import { currentRequest } from './request-context';

/**
 * Read-your-writes across requests, like Zanzibar's zookies and the causality tokens of Spanner
 * and CockroachDB clients. Every write answers with a `Consistency-Token`: the stream positions it
 * appended. A read that sends it back (the header may list several tokens, comma-separated) waits,
 * bounded, until the audit projection has applied every position, so what it shows includes the
 * write; after the bound it answers 503 with Retry-After instead of an older view.
 *
 * Tokens are opaque to clients (base64url of `streamId@version,…`) but not secret: they only name
 * stream positions, and a made-up one can only make its sender's own read wait the bound. Parsing is
 * strict (sizes, characters), and anything else is a 400 naming the header.
 */
export const CONSISTENCY_TOKEN_HEADER = 'Consistency-Token';

/** "The projection has applied this stream up to this version". */
export interface StreamPosition {
  streamId: string;
  streamVersion: number;
}

/** Waits (bounded) for the audit projection: true once every position is applied, false at the bound. */
export interface ConsistencyGate {
  awaitApplied(positions: StreamPosition[]): Promise<boolean>;
}

const MAX_TOKENS = 16;
const MAX_TOKEN_LENGTH = 4_096;
const MAX_POSITIONS = 64;
const STREAM_ID = /^[A-Za-z0-9_.:-]{1,200}$/;

/** The highest version per stream of some positions. */
export const latestPositions = (positions: Iterable<StreamPosition>): StreamPosition[] => {
  const latest = new Map<string, number>();
  for (const { streamId, streamVersion } of positions)
    if ((latest.get(streamId) ?? 0) < streamVersion) latest.set(streamId, streamVersion);
  return [...latest].map(([streamId, streamVersion]) => ({ streamId, streamVersion }));
};

export const encodeConsistencyToken = (positions: StreamPosition[]): string =>
  Buffer.from(positions.map((p) => `${p.streamId}@${p.streamVersion}`).join(','), 'utf8').toString('base64url');

const invalidToken = (reason: string) =>
  new HttpProblem(400, 'INVALID_CONSISTENCY_TOKEN', `The ${CONSISTENCY_TOKEN_HEADER} header is not one this service issued: ${reason}.`, [
    { path: `headers.${CONSISTENCY_TOKEN_HEADER.toLowerCase()}`, message: reason },
  ]);

/** The positions of a `Consistency-Token` request header (one token or a comma-separated list); throws a 400 problem. */
export const parseConsistencyTokens = (header: string): StreamPosition[] => {
  const tokens = header.split(',').map((token) => token.trim());
  if (tokens.length > MAX_TOKENS) throw invalidToken(`more than ${MAX_TOKENS} tokens`);
  const positions: StreamPosition[] = [];
  for (const token of tokens) {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token))
      throw invalidToken('a token is empty, too long or not base64url');
    for (const part of Buffer.from(token, 'base64url').toString('utf8').split(',')) {
      const at = part.lastIndexOf('@');
      const streamId = part.slice(0, at);
      const version = part.slice(at + 1);
      if (at <= 0 || !STREAM_ID.test(streamId) || !/^[1-9][0-9]{0,9}$/.test(version) || Number(version) > 2 ** 31 - 1)
        throw invalidToken('a token does not name stream positions');
      positions.push({ streamId, streamVersion: Number(version) });
    }
  }
  if (positions.length > MAX_POSITIONS) throw invalidToken(`more than ${MAX_POSITIONS} stream positions`);
  return latestPositions(positions);
};

const appendedInRequest = new WeakMap<object, StreamPosition[]>();

/**
 * Adds appended positions to the answer's `Consistency-Token` (all of the request's appends, the
 * latest version per stream). Called by the event stores after a commit that wrote outbox rows;
 * outside a request (a sweeper's append) it does nothing.
 */
export const recordAppendedPositions = (positions: StreamPosition[]): void => {
  const context = currentRequest();
  if (!context || positions.length === 0 || context.res.headersSent) return;
  const all = latestPositions([...(appendedInRequest.get(context.res) ?? []), ...positions]);
  appendedInRequest.set(context.res, all);
  context.res.setHeader(CONSISTENCY_TOKEN_HEADER, encodeConsistencyToken(all));
};

export const CONSISTENCY_TIMEOUT_RETRY_AFTER_SECONDS = UNAVAILABLE_RETRY_AFTER_SECONDS;

/**
 * Honours `Consistency-Token` on reads (GET, HEAD): waits at the gate before the route runs, 503
 * CONSISTENCY_TIMEOUT with Retry-After when the projection has not caught up within the bound.
 * Writes ignore it (they read their own aggregate, never the projection).
 */
export const honourConsistencyTokens =
  (gate: ConsistencyGate): RequestHandler =>
  async (req, _res, next) => {
    const header = req.headers[CONSISTENCY_TOKEN_HEADER.toLowerCase()];
    if (header === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    try {
      const positions = parseConsistencyTokens(Array.isArray(header) ? header.join(',') : header);
      if (!(await gate.awaitApplied(positions)))
        throw new HttpProblem(
          503,
          'CONSISTENCY_TIMEOUT',
          'The writes named by the Consistency-Token are not visible to reads yet; retry shortly.',
          undefined,
          { retryAfterSeconds: CONSISTENCY_TIMEOUT_RETRY_AFTER_SECONDS },
        );
      next();
    } catch (error) {
      next(error);
    }
  };
