import type {
  AuthenticationAudit,
  IntegrationEvent,
  RegistrationAudit,
  SummaryInfo,
} from '@identity-store/contracts';
import { appkeySummary } from './appkey-summary';
import { biometricSummary } from './biometric-summary';
import { authenticationAudits } from './authentication-audits';
import { passcodeSummary } from './passcode-summary';
import { passkeySummary } from './passkey-summary';
import { registrationAudits } from './registration-audits';
import { totpSummary } from './totp-summary';

/** The projections of summaryInfo, one per credential family. */
export const summaryProjections = [totpSummary, passcodeSummary, passkeySummary, appkeySummary, biometricSummary] as const;

/**
 * summaryInfo after a user's credential event (pure; unknown event types leave it as is, so new
 * producers never break the projection).
 */
export const applyToSummary = (summary: SummaryInfo, event: IntegrationEvent): SummaryInfo =>
  summaryProjections.reduce<SummaryInfo>((current, projection) => projection.handle(current, event), summary);

/**
 * summaryInfo after some of a user's events, in order: what the audit projector will hold once it
 * has applied them, when `summary` is what it held before the first (writes answer with this).
 */
export const summaryAfter = (summary: SummaryInfo, events: IntegrationEvent[]): SummaryInfo =>
  events.reduce(applyToSummary, summary);

/** The authentication audit an event stands for, if it is a user's authentication outcome. */
export const authenticationAuditOf = (event: IntegrationEvent): AuthenticationAudit | null =>
  authenticationAudits.handle(null, event);

/** The registration audit an event stands for, if it is a user's completed registration. */
export const registrationAuditOf = (event: IntegrationEvent): RegistrationAudit | null =>
  registrationAudits.handle(null, event);
