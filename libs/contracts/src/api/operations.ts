import { appkeyOperations } from '../appkey/appkey-operations';
import { auditOperations } from '../audit/audit-operations';
import { biometricOperations } from '../biometric/biometric-operations';
import { apiKeyOperationTable } from '../gateway/api-key-operations';
import { identityOperations } from '../identity/identity-operations';
import { passcodeOperations } from '../passcode/passcode-operations';
import { passkeyOperations } from '../passkey/passkey-operations';
import { totpOperations } from '../totp/totp-operations';
import { type OperationDef, operationsOf, registerCombinedTables } from './operation-table';

export * from './operation-table';

/**
 * Every operation of the API, concatenated from the families' tables
 * (`<family>/<family>-operations.ts`). The gateway routes and authorises with this list, every
 * service checks its grants against it, and the OpenAPI document lists it, so a newcomer finds an
 * endpoint's owner here first. User-scoped operations exist twice (internal id, and external id
 * with a trailing `/ext`); both share one permission.
 */
export const operations: OperationDef[] = [
  identityOperations,
  totpOperations,
  auditOperations,
  passcodeOperations,
  passkeyOperations,
  appkeyOperations,
  biometricOperations,
].flatMap(operationsOf);

/** API-key management: answered by the gateway itself. */
export const apiKeyOperations: OperationDef[] = operationsOf(apiKeyOperationTable);

registerCombinedTables(operations, apiKeyOperations);

export const operationById = new Map(operations.map((op) => [op.operationId, op]));
