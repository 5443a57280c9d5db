import type { PrismaClient, UniqueKeyRef } from '@identity-store/event-store';

/**
 * Which user's stream holds a ceremony session: sessions complete on a store-level path
 * (`…/passcodes/{registrations,authentications,renewals}/sessions/{sessionId}`) that names no user. Each open session claims the unique
 * key `passcode-session/<sessionId>` for its stream in the append that opens it, and releases it in
 * the append that closes it (completion, deregistration, renewal, pruning), so the lookup is one
 * primary-key read and always agrees with the streams.
 */
const SCOPE = 'passcode-session';

export const sessionKey = (sessionId: string): UniqueKeyRef => ({ scope: SCOPE, key: sessionId });

export class PasscodeSessionDirectory {
  constructor(private readonly prisma: PrismaClient) {}

  /** The stream holding the open session, or null. */
  async streamOf(sessionId: string): Promise<string | null> {
    const row = await this.prisma.uniqueKey.findUnique({ where: { scope_key: sessionKey(sessionId) } });
    return row?.streamId ?? null;
  }
}

/** The keys an append claims and releases: sessions it opens, and sessions it closes. */
export const sessionKeyChanges = (before: Iterable<string>, after: Iterable<string>) => {
  const was = new Set(before);
  const is = new Set(after);
  return {
    claim: [...is].filter((id) => !was.has(id)).map(sessionKey),
    release: [...was].filter((id) => !is.has(id)).map(sessionKey),
  };
};
