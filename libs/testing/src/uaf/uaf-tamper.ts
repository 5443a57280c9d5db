import { findTlv, readTlvSequence, UafTag } from './uaf-tlv';

/**
 * Damages a UAF RegistrationResponse or AuthenticationResponse message text (as
 * SoftwareUafClient answers it) for the failure paths of a server: each helper changes the first
 * message's first assertion, or its fcParams, and leaves everything else as it was.
 */

/** The final challenge parameters inside fcParams (UAF Protocol v1.1, "FinalChallengeParams dictionary"). */
export interface FinalChallengeParams {
  appID: string;
  challenge: string;
  facetID: string;
  channelBinding: Record<string, unknown>;
}

interface ResponseMessage {
  fcParams: string;
  assertions: { assertionScheme: string; assertion: string }[];
}

const editFirstMessage = (
  text: string,
  edit: (message: ResponseMessage, assertion: { assertion: string }) => void,
): string => {
  const messages = JSON.parse(text) as ResponseMessage[];
  const message = messages[0];
  const assertion = message?.assertions?.[0];
  if (!message || !assertion) throw new Error('Not a UAF response message with an assertion');
  edit(message, assertion);
  return JSON.stringify(messages);
};

const editAssertion = (text: string, edit: (assertion: Buffer) => Buffer): string =>
  editFirstMessage(text, (_message, assertion) => {
    assertion.assertion = edit(Buffer.from(assertion.assertion, 'base64url')).toString('base64url');
  });

/** The signed structure of an assertion: TAG_UAFV1_KRD of a registration, TAG_UAFV1_SIGNED_DATA of an authentication. */
const signedStructure = (assertion: Buffer) => {
  const [outer] = readTlvSequence(assertion);
  const signed =
    outer &&
    readTlvSequence(assertion, outer.valueStart, outer.end).find(
      ({ tag }) => tag === UafTag.UAFV1_KRD || tag === UafTag.UAFV1_SIGNED_DATA,
    );
  if (!signed) throw new Error('The assertion has neither TAG_UAFV1_KRD nor TAG_UAFV1_SIGNED_DATA');
  return signed;
};

export const uafTamper = {
  /**
   * XORs one byte of the decoded assertion with 0x01: the byte at `offset`, by default the middle
   * byte of TAG_SIGNATURE's value (the attestation or authentication signature no longer verifies).
   */
  flipAssertionByte(text: string, offset?: number): string {
    return editAssertion(text, (assertion) => {
      const signature = findTlv(assertion, UafTag.SIGNATURE);
      const at = offset ?? (signature ? (signature.valueStart + signature.end) >> 1 : -1);
      if (at < 0 || at >= assertion.length)
        throw new Error(`No byte ${at} in a ${assertion.length}-byte assertion`);
      const flipped = Buffer.from(assertion);
      flipped.writeUInt8(assertion.readUInt8(at) ^ 0x01, at);
      return flipped;
    });
  },

  /** Cuts `bytes` bytes off the end of the decoded assertion (its TLV lengths then overrun it). */
  truncateAssertion(text: string, bytes: number): string {
    return editAssertion(text, (assertion) => {
      if (bytes <= 0 || bytes >= assertion.length)
        throw new Error(`Cannot cut ${bytes} of ${assertion.length} bytes`);
      return assertion.subarray(0, assertion.length - bytes);
    });
  },

  /**
   * Declares the signed structure (TAG_UAFV1_KRD / TAG_UAFV1_SIGNED_DATA) one byte longer than
   * everything after its header: its length runs past its container and past the assertion's end.
   */
  oversizeLength(text: string): string {
    return editAssertion(text, (assertion) => {
      const signed = signedStructure(assertion);
      const oversized = Buffer.from(assertion);
      oversized.writeUInt16LE(assertion.length - signed.valueStart + 1, signed.start + 2);
      return oversized;
    });
  },

  /**
   * Replaces fcParams with `mutate`'s change of its decoded FinalChallengeParams, keeping the
   * assertion: the final challenge hash the authenticator signed no longer matches fcParams.
   */
  replaceFcParams(text: string, mutate: (fcParams: FinalChallengeParams) => FinalChallengeParams): string {
    return editFirstMessage(text, (message) => {
      const decoded = JSON.parse(
        Buffer.from(message.fcParams, 'base64url').toString('utf8'),
      ) as FinalChallengeParams;
      message.fcParams = Buffer.from(JSON.stringify(mutate(decoded)), 'utf8').toString('base64url');
    });
  },
};
