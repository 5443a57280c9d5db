import {
  type AuthenticationAudit,
  emptySummaryInfo,
  type IntegrationEvent,
  type PasscodeAuditInfo,
  type PasscodeInfo,
  type PasskeyInfo,
  type PasskeyRegistrationAuditInfo,
  type RegistrationAudit,
  type SummaryGroupItem,
  type SummaryInfo,
} from '@identity-store/contracts';

/** What the projection keeps per user. */
export interface UserSummary {
  userId: string;
  storeId: string;
  summaryInfo: SummaryInfo;
}

type Data = Record<string, unknown>;
const str = (data: Data, key: string) => data[key] as string;

const updateItem = (items: SummaryGroupItem[], id: string, change: (item: SummaryGroupItem) => SummaryGroupItem) =>
  items.map((item) => (item.id === id ? change(item) : item));

const withTotps = (summary: SummaryInfo, items: SummaryGroupItem[]): SummaryInfo => ({
  ...summary,
  totps: { count: items.length, items },
});

const withPasscodes = (summary: SummaryInfo, items: SummaryGroupItem[]): SummaryInfo => ({
  ...summary,
  passcodes: { count: items.length, items },
});

const updatePasscode = (summary: SummaryInfo, data: Data, change: (item: SummaryGroupItem) => SummaryGroupItem) =>
  withPasscodes(summary, updateItem(summary.passcodes.items, str(data, 'passcodeId'), change));

const withPasskeys = (summary: SummaryInfo, items: SummaryGroupItem[]): SummaryInfo => ({
  ...summary,
  passkeys: { count: items.length, items },
});

const updatePasskey = (summary: SummaryInfo, data: Data, change: (item: SummaryGroupItem) => SummaryGroupItem) =>
  withPasskeys(summary, updateItem(summary.passkeys.items, str(data, 'passkeyId'), change));

/**
 * summaryInfo = fold of the user's credential events (pure; unknown event types leave it as is,
 * so new producers never break the projection).
 */
export const applyToSummary = (summary: SummaryInfo, event: IntegrationEvent): SummaryInfo => {
  const data = event.data as Data;
  const totps = summary.totps.items;
  switch (event.type) {
    case 'TotpRegistrationStarted':
      return withTotps(summary, [
        ...totps.filter((item) => item.id !== str(data, 'credentialId')),
        {
          id: str(data, 'credentialId'),
          status: 'PENDING',
          policyName: str(data, 'policyName'),
          createdDtm: str(data, 'createdDtm'),
          lastUsedDtm: null,
        },
      ]);
    case 'TotpRegistrationCompleted':
      return withTotps(summary, updateItem(totps, str(data, 'credentialId'), (item) => ({ ...item, status: 'ACTIVE' })));
    case 'TotpAuthenticationSucceeded':
      return {
        ...withTotps(
          summary,
          updateItem(totps, str(data, 'credentialId'), (item) => ({ ...item, status: 'ACTIVE', lastUsedDtm: str(data, 'at') })),
        ),
        lastAuthentication: { type: 'Totp', result: 'SUCCESS', dtm: str(data, 'at') },
      };
    case 'TotpAuthenticationFailed':
      return { ...summary, lastAuthentication: { type: 'Totp', result: 'FAILURE', dtm: str(data, 'at') } };
    case 'TotpLocked':
      return withTotps(summary, updateItem(totps, str(data, 'credentialId'), (item) => ({ ...item, status: 'LOCKED' })));
    case 'TotpStatusChanged':
      return withTotps(
        summary,
        updateItem(totps, str(data, 'credentialId'), (item) => ({ ...item, status: str(data, 'status') })),
      );
    case 'TotpDeregistered':
      return withTotps(summary, totps.filter((item) => item.id !== str(data, 'credentialId')));

    // Passcodes: an item per registered passcode (sessions are not credentials yet).
    case 'PasscodeRegistrationCompleted':
      return withPasscodes(summary, [
        ...summary.passcodes.items.filter((item) => item.id !== str(data, 'passcodeId')),
        {
          id: str(data, 'passcodeId'),
          status: 'ACTIVE',
          policyName: str(data, 'policyName'),
          createdDtm: str(data, 'createdDtm'),
          lastUsedDtm: null,
          expirationDtm: data.expirationDtm as string | null,
        },
      ]);
    case 'PasscodeAuthenticationSucceeded':
      return {
        ...updatePasscode(summary, data, (item) => ({ ...item, status: 'ACTIVE', lastUsedDtm: str(data, 'at') })),
        lastAuthentication: { type: 'Passcode', result: 'SUCCESS', dtm: str(data, 'at') },
      };
    // A decoy (no passcode for the policy) fails as a wrong proof does, in the user's summary too.
    case 'PasscodeAuthenticationFailed':
    case 'PasscodeDecoyAuthenticationFailed':
      return { ...summary, lastAuthentication: { type: 'Passcode', result: 'FAILURE', dtm: str(data, 'at') } };
    case 'PasscodeLocked':
      return updatePasscode(summary, data, (item) => ({ ...item, status: 'LOCKED' }));
    case 'PasscodeRenewed':
      return updatePasscode(summary, data, (item) => ({ ...item, expirationDtm: data.expirationDtm as string | null }));
    case 'PasscodeStatusChanged':
      return updatePasscode(summary, data, (item) => ({ ...item, status: str(data, 'status') }));
    case 'PasscodeExpirationChanged':
      return updatePasscode(summary, data, (item) => ({ ...item, expirationDtm: data.expirationDtm as string | null }));
    case 'PasscodeDeregistered':
      return withPasscodes(summary, summary.passcodes.items.filter((item) => item.id !== str(data, 'passcodeId')));

    // Passkeys: an item per registered passkey, with its relying party (sessions are not credentials).
    case 'PasskeyRegistrationCompleted':
      return withPasskeys(summary, [
        ...summary.passkeys.items.filter((item) => item.id !== str(data, 'passkeyId')),
        {
          id: str(data, 'passkeyId'),
          status: 'ACTIVE',
          policyName: str(data, 'policyName'),
          rpId: str(data, 'rpId'),
          type: str(data, 'deviceType'),
          createdDtm: str(data, 'createdDtm'),
          lastUsedDtm: null,
        },
      ]);
    case 'PasskeyAuthenticationSucceeded':
      return {
        ...updatePasskey(summary, data, (item) => ({ ...item, lastUsedDtm: str(data, 'at') })),
        lastAuthentication: { type: 'Passkey', result: 'SUCCESS', dtm: str(data, 'at') },
      };
    case 'PasskeyAuthenticationFailed':
      return { ...summary, lastAuthentication: { type: 'Passkey', result: 'FAILURE', dtm: str(data, 'at') } };
    case 'PasskeyStatusChanged':
      return updatePasskey(summary, data, (item) => ({ ...item, status: str(data, 'status') }));
    case 'PasskeyDeregistered':
      return withPasskeys(summary, summary.passkeys.items.filter((item) => item.id !== str(data, 'passkeyId')));
    default:
      return summary;
  }
};

/** The authentication audit record an event stands for, if it is an authentication outcome. */
export const authenticationAuditOf = (event: IntegrationEvent): AuthenticationAudit | null => {
  const data = event.data as Data;
  if (!event.userId) return null;
  const base = {
    id: str(data, 'authenticationId'),
    userId: event.userId,
    createdDtm: str(data, 'at'),
    context: (data.context as Record<string, unknown> | undefined) ?? {},
    credentialId: str(data, 'credentialId'),
  };
  switch (event.type) {
    case 'TotpAuthenticationSucceeded':
      return { ...base, type: 'Totp', result: 'SUCCESS' };
    case 'TotpAuthenticationFailed':
      return { ...base, type: 'Totp', result: 'FAILURE', reason: str(data, 'reason') };
    case 'PasscodeAuthenticationSucceeded':
    case 'PasscodeAuthenticationFailed': {
      const failed = event.type === 'PasscodeAuthenticationFailed';
      return {
        ...base,
        credentialId: str(data, 'passcodeId'),
        policyName: str(data, 'policyName'),
        type: 'Passcode',
        result: failed ? 'FAILURE' : 'SUCCESS',
        ...(failed ? { reason: str(data, 'reason') } : {}),
        passcodeInfo: {
          id: str(data, 'passcodeId'),
          status: data.locked ? 'LOCKED' : (str(data, 'status') as PasscodeInfo['status']),
          expirationDtm: data.expirationDtm as string | null,
        },
        passcodeAuditInfo: {
          protocol: 'SRP',
          policyName: str(data, 'policyName'),
          srpGroup: data.srpGroup as PasscodeAuditInfo['srpGroup'],
          hash: data.hash as PasscodeAuditInfo['hash'],
          failedAttempts: data.failedAttempts as number,
          locked: data.locked as boolean,
        },
      };
    }
    case 'PasscodeDecoyAuthenticationFailed': {
      // The audit tells the truth (reason PASSCODE_NOT_FOUND, no passcode); the API answer did not.
      const { credentialId: _none, ...common } = base;
      return {
        ...common,
        policyName: str(data, 'policyName'),
        type: 'Passcode',
        result: 'FAILURE',
        reason: str(data, 'reason'),
        passcodeAuditInfo: {
          protocol: 'SRP',
          policyName: str(data, 'policyName'),
          srpGroup: data.srpGroup as PasscodeAuditInfo['srpGroup'],
          hash: data.hash as PasscodeAuditInfo['hash'],
          failedAttempts: 0,
          locked: false,
        },
      };
    }
    case 'PasskeyAuthenticationSucceeded':
    case 'PasskeyAuthenticationFailed': {
      const failed = event.type === 'PasskeyAuthenticationFailed';
      const passkeyId = data.passkeyId as string | null;
      // credentialId of an audit is the credential's id here (the passkey's), when one has it.
      const { credentialId: _webAuthnCredentialId, ...common } = base;
      return {
        ...common,
        ...(passkeyId !== null ? { credentialId: passkeyId } : {}),
        policyName: str(data, 'policyName'),
        type: 'Passkey',
        result: failed ? 'FAILURE' : 'SUCCESS',
        ...(failed ? { reason: str(data, 'reason') } : {}),
        // The passkey the response named, if one of the user's has its credential id.
        ...(passkeyId !== null
          ? {
              passkeyInfo: {
                id: passkeyId,
                rpId: str(data, 'rpId'),
                credentialId: str(data, 'credentialId'),
                name: data.name as string | null,
                status: data.status as PasskeyInfo['status'],
              },
            }
          : {}),
        passkeyAuditInfo: {
          rpId: str(data, 'rpId'),
          policyName: str(data, 'policyName'),
          credentialId: str(data, 'credentialId'),
          usernameless: data.usernameless as boolean,
          hints: data.hints as PasskeyRegistrationAuditInfo['hints'],
          userVerified: data.userVerified as boolean | null,
          backedUp: failed ? null : (data.backedUp as boolean),
          signCount: data.signCount as number | null,
          previousSignCount: data.previousSignCount as number | null,
          counterRegression: failed ? (data.counterRegression as boolean) : false,
        },
      };
    }
    default:
      return null;
  }
};

/**
 * The registration audit an event stands for, if it is a completed registration: what the
 * attestation said, the hints the options carried and the client's context (a function of the
 * event alone, like the authentication audits).
 */
export const registrationAuditOf = (event: IntegrationEvent): RegistrationAudit | null => {
  if (event.type !== 'PasskeyRegistrationCompleted' || !event.userId) return null;
  const data = event.data as Data;
  const passkeyId = str(data, 'passkeyId');
  return {
    id: passkeyId,
    userId: event.userId,
    type: 'Passkey',
    result: 'SUCCESS',
    createdDtm: str(data, 'createdDtm'),
    context: (data.context as Record<string, unknown> | undefined) ?? {},
    credentialId: passkeyId,
    policyName: str(data, 'policyName'),
    passkeyInfo: {
      id: passkeyId,
      rpId: str(data, 'rpId'),
      credentialId: str(data, 'credentialId'),
      name: data.name as string | null,
      status: 'ACTIVE',
    },
    passkeyRegistrationAuditInfo: {
      rpId: str(data, 'rpId'),
      policyName: str(data, 'policyName'),
      credentialId: str(data, 'credentialId'),
      attestationFormat: str(data, 'attestationFormat'),
      aaguid: str(data, 'aaguid'),
      transports: data.transports as string[],
      hints: data.hints as PasskeyRegistrationAuditInfo['hints'],
      userVerified: data.userVerified as boolean,
      backupEligible: data.backupEligible as boolean,
      backedUp: data.backedUp as boolean,
      deviceType: data.deviceType as PasskeyRegistrationAuditInfo['deviceType'],
      authenticatorAttachment: data.authenticatorAttachment as PasskeyRegistrationAuditInfo['authenticatorAttachment'],
      origin: str(data, 'origin'),
    },
  };
};

export const newUserSummary = (userId: string, storeId: string): UserSummary => ({
  userId,
  storeId,
  summaryInfo: emptySummaryInfo(),
});
