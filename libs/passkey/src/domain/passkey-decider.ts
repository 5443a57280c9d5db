import { conflict, notFound, ownEntry, type PasskeyStatus } from '@identity-store/contracts';
import {
  evolvePasskey,
  initialPasskeyUserState,
  PasskeyDeregistered,
  type PasskeyEvent,
  PasskeyRenamed,
  type PasskeyState,
  PasskeyStatusChanged,
  type PasskeyUserState,
} from './passkey';
import {
  type CloseUsernamelessSession,
  closeUsernamelessSession,
  type CompletePasskeyAuthentication,
  completeAuthentication,
  type FailUsernamelessAuthentication,
  failUsernamelessAuthentication,
  type StartPasskeyAuthentication,
  startAuthentication,
} from './passkey-authentication-decider';
import {
  type CompletePasskeyRegistration,
  completeRegistration,
  type StartPasskeyRegistration,
  startRegistration,
} from './passkey-registration-decider';
import type { PasskeyCommandMetadata } from './passkey-sessions';

/**
 * The passkey decider (Emmett style): `decidePasskey(command, state) → events` over the aggregate of
 * ./passkey.ts. The clock (`metadata.now`), ids and challenges come in with the commands, and so does
 * the outcome of the cryptographic checks of a WebAuthn response, made beforehand by the service:
 * ceremonies are decided in ./passkey-registration-decider.ts and ./passkey-authentication-decider.ts,
 * their sessions in ./passkey-sessions.ts. Nothing here does I/O. REVOKED is final. README "Passkeys"
 * documents the rules for clients.
 */

export interface UpdatePasskey {
  type: 'UpdatePasskey';
  metadata: PasskeyCommandMetadata;
  passkeyId: string;
  status?: PasskeyStatus;
  /** null: remove the name; undefined: unchanged. */
  name?: string | null;
}

export interface DeletePasskey {
  type: 'DeletePasskey';
  metadata: PasskeyCommandMetadata;
  passkeyId: string;
}

export type PasskeyCommand =
  | StartPasskeyRegistration
  | CompletePasskeyRegistration
  | StartPasskeyAuthentication
  | CompletePasskeyAuthentication
  | CloseUsernamelessSession
  | FailUsernamelessAuthentication
  | UpdatePasskey
  | DeletePasskey;

export const decidePasskey = (command: PasskeyCommand, state: PasskeyUserState): PasskeyEvent[] => {
  switch (command.type) {
    case 'StartPasskeyRegistration':
      return startRegistration(command, state);
    case 'CompletePasskeyRegistration':
      return completeRegistration(command, state);
    case 'StartPasskeyAuthentication':
      return startAuthentication(command, state);
    case 'CompletePasskeyAuthentication':
      return completeAuthentication(command, state);
    case 'CloseUsernamelessSession':
      return closeUsernamelessSession(command, state);
    case 'FailUsernamelessAuthentication':
      return failUsernamelessAuthentication(command, state);
    case 'UpdatePasskey':
      return update(command, state);
    case 'DeletePasskey':
      return remove(command, state);
    default: {
      const unknown: never = command;
      throw new Error(`Unknown passkey command: ${(unknown as { type: string }).type}`);
    }
  }
};

export const passkeyDecider = { decide: decidePasskey, evolve: evolvePasskey, initialState: initialPasskeyUserState };

const getPasskey = (state: PasskeyUserState, passkeyId: string): PasskeyState => {
  const passkey = ownEntry(state.passkeys, passkeyId);
  if (!passkey) throw notFound('PASSKEY_NOT_FOUND', `Passkey ${passkeyId} not found`);
  return passkey;
};

/** Status and/or name. REVOKED is final (409 on any change); setting what is already there is a no-op. */
const update = (command: UpdatePasskey, state: PasskeyUserState): PasskeyEvent[] => {
  const passkey = getPasskey(state, command.passkeyId);
  if (passkey.status === 'REVOKED') throw conflict('PASSKEY_REVOKED', `Passkey ${passkey.id} is revoked`);
  const at = command.metadata.now.toISOString();
  const events: PasskeyEvent[] = [];
  if (command.status !== undefined && command.status !== passkey.status)
    events.push(PasskeyStatusChanged.create({ passkeyId: passkey.id, status: command.status, at }));
  if (command.name !== undefined && command.name !== passkey.name)
    events.push(PasskeyRenamed.create({ passkeyId: passkey.id, name: command.name, at }));
  return events;
};

const remove = (command: DeletePasskey, state: PasskeyUserState): PasskeyEvent[] => {
  const passkey = getPasskey(state, command.passkeyId);
  return [
    PasskeyDeregistered.create({ passkeyId: passkey.id, reason: 'DELETED', at: command.metadata.now.toISOString() }),
  ];
};
