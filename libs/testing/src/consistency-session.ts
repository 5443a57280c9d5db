import {
  CONSISTENCY_TOKEN_HEADER,
  encodeConsistencyToken,
  parseConsistencyTokens,
  type StreamPosition,
} from '@identity-store/http-kit';

/**
 * A client's read-your-writes session, as an SDK would keep one: remembers the stream positions of
 * every write's `Consistency-Token` and sends them, merged into one token, with every read. Keeps
 * the most recent `maxPositions` streams (older writes are long projected by then).
 */
export class ConsistencySession {
  private readonly positions = new Map<string, number>();

  constructor(private readonly maxPositions = 32) {}

  /** Remembers the token of an answer, if it has one. */
  remember(headers: Headers): void {
    const token = headers.get(CONSISTENCY_TOKEN_HEADER);
    if (!token) return;
    for (const { streamId, streamVersion } of parseConsistencyTokens(token)) {
      const known = this.positions.get(streamId) ?? 0;
      this.positions.delete(streamId); // re-inserted: most recent last
      this.positions.set(streamId, Math.max(known, streamVersion));
    }
    while (this.positions.size > this.maxPositions) this.positions.delete(this.positions.keys().next().value!);
  }

  /** The header a read sends: every remembered position (none before the first write). */
  headers(): Record<string, string> {
    if (this.positions.size === 0) return {};
    const positions: StreamPosition[] = [...this.positions].map(([streamId, streamVersion]) => ({ streamId, streamVersion }));
    return { [CONSISTENCY_TOKEN_HEADER.toLowerCase()]: encodeConsistencyToken(positions) };
  }
}
