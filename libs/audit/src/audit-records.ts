import { type AuthenticationAudit, notFound, type RegistrationAudit } from '@identity-store/contracts';
import { type IdentityQueries, resolveStoreAndUser, type UserRef } from '@identity-store/service-clients';
import { AUTHENTICATIONS, type AuditProjector, REGISTRATIONS } from './audit-projector';

/** A user's audit records as the API shows them: only the user's own (404 for another's). */
export class AuditRecords {
  constructor(
    private readonly projector: AuditProjector,
    private readonly identity: IdentityQueries,
  ) {}

  async authenticationOf(storeName: string, ref: UserRef, id: string): Promise<AuthenticationAudit> {
    const { user } = await resolveStoreAndUser(this.identity, storeName, ref);
    const audit = await this.projector.documents.get<AuthenticationAudit>(AUTHENTICATIONS, id);
    if (!audit || audit.userId !== user.id) throw notFound('AUTHENTICATION_NOT_FOUND', `Authentication ${id} does not exist.`);
    return audit;
  }

  /**
   * A passkey's or appkey's registration audit (projected from its RegistrationCompleted event, kept
   * after the credential is deleted).
   */
  async registrationOf(
    storeName: string,
    ref: UserRef,
    type: Extract<RegistrationAudit['type'], 'Passkey' | 'Appkey' | 'Face'>,
    credentialId: string,
  ): Promise<RegistrationAudit> {
    const { user } = await resolveStoreAndUser(this.identity, storeName, ref);
    const audit = await this.projector.documents.get<RegistrationAudit>(REGISTRATIONS, credentialId);
    if (!audit || audit.userId !== user.id || audit.type !== type)
      throw notFound('REGISTRATION_AUDIT_NOT_FOUND', `No registration audit for ${type.toLowerCase()} ${credentialId}.`);
    return audit;
  }
}
