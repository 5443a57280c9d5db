/**
 * What registration and authentication responses share (UAF Protocol §3.4.6.5, §3.5.7.5, first
 * steps): pick the dictionary of protocol version 1.1, check op, the header, the message
 * extensions and fcParams, then decode each assertion of scheme "UAFV1TLV".
 */
import { z } from 'zod';
import { decodeBase64Url } from './base64url';
import { textEqual } from './constant-time';
import {
  type FinalChallengeExpectation,
  type VerifiedFinalChallenge,
  verifyFinalChallenge,
} from './final-challenge';
import { UAF_ASSERTION_SCHEME, UAF_PROTOCOL_VERSION } from './uaf-constants';
import { UafError } from './uaf-error';
import { type extensionSchema, parseJsonText, parseWithSchema, versionSchema } from './uaf-messages';

export interface ResponseExpectation extends FinalChallengeExpectation {
  serverData: string;
}

type Extension = z.infer<typeof extensionSchema>;
interface ResponseShape {
  header: { appID?: string; serverData?: string; exts?: Extension[] };
  fcParams: string;
  assertions: { assertionScheme: string; assertion: string; exts?: Extension[] }[];
}

/** No extension is understood here, so a fail_if_unknown one aborts (§3.1.10). */
const refuseCriticalExtensions = (exts: Extension[] | undefined, where: string): void => {
  const critical = exts?.find((extension) => extension.fail_if_unknown);
  if (critical) {
    throw new UafError(
      'UNKNOWN_CRITICAL_EXTENSION',
      `${where} carries the unknown fail_if_unknown extension ${critical.id}`,
    );
  }
};

const versionedEntriesSchema = z
  .array(z.object({ header: z.object({ upv: versionSchema }).loose() }).loose())
  .min(1);

/** The dictionary for protocol version 1.1 of a response message (one per version, §3.4.4). */
const entryForThisVersion = (message: unknown, what: string): Record<string, unknown> => {
  const entries = parseWithSchema(versionedEntriesSchema, message, what);
  const matching = entries.filter(
    ({ header: { upv } }) =>
      upv.major === UAF_PROTOCOL_VERSION.major && upv.minor === UAF_PROTOCOL_VERSION.minor,
  );
  if (matching.length > 1)
    throw new UafError('MALFORMED_MESSAGE', `${what} holds two responses of version 1.1`);
  const [entry] = matching;
  if (!entry) {
    const versions = entries.map(({ header: { upv } }) => `${upv.major}.${upv.minor}`).join(', ');
    throw new UafError('UNSUPPORTED_VERSION', `${what} is of version ${versions}; this server speaks 1.1`);
  }
  return entry;
};

/**
 * Opens a response message text: returns the response (validated by `schema`), the FacetID and
 * final challenge hash of its fcParams, and the bytes of its assertions.
 */
export const openResponse = <T extends z.ZodType<ResponseShape>>(
  responseText: string,
  op: 'Reg' | 'Auth',
  schema: T,
  expected: ResponseExpectation,
): { response: z.infer<T>; finalChallenge: VerifiedFinalChallenge; assertions: Buffer[] } => {
  const what = op === 'Reg' ? 'RegistrationResponse' : 'AuthenticationResponse';
  const entry = entryForThisVersion(parseJsonText(responseText, what), what);
  const header = entry['header'] as { op?: unknown };
  if (header.op !== op)
    throw new UafError('WRONG_OPERATION', `${what}: header.op is ${JSON.stringify(header.op)}, not "${op}"`);
  const response: ResponseShape = parseWithSchema(schema, entry, what);
  if (
    response.header.serverData === undefined ||
    !textEqual(response.header.serverData, expected.serverData)
  ) {
    throw new UafError('SERVER_DATA_MISMATCH', `${what}: header.serverData is not the request's`);
  }
  refuseCriticalExtensions(response.header.exts, `${what}.header`);
  const finalChallenge = verifyFinalChallenge(response.fcParams, expected);
  // The client copies the request's header (§3.4.6.4), setting a missing appID to its FacetID.
  const { appID } = response.header;
  if (appID !== undefined && appID !== '' && !textEqual(appID, expected.appID || finalChallenge.facetID)) {
    throw new UafError('APPID_MISMATCH', `${what}: header.appID is not the request's appID`);
  }
  const assertions = response.assertions.map((assertion, index) => {
    if (assertion.assertionScheme !== UAF_ASSERTION_SCHEME) {
      throw new UafError(
        'UNSUPPORTED_ASSERTION_SCHEME',
        `${what}.assertions.${index}: assertion scheme ${JSON.stringify(assertion.assertionScheme)} is not "${UAF_ASSERTION_SCHEME}"`,
      );
    }
    refuseCriticalExtensions(assertion.exts, `${what}.assertions.${index}`);
    return decodeBase64Url(assertion.assertion, `${what}.assertions.${index}.assertion`);
  });
  return { response: response as z.infer<T>, finalChallenge, assertions };
};

/** Refuses the second assertion of the same (AAID, KeyID) in one response. */
export const assertDistinctKeys = (keys: { aaid: string; keyID: string }[]): void => {
  const seen = new Set<string>();
  for (const { aaid, keyID } of keys) {
    const key = `${aaid} ${keyID}`;
    if (seen.has(key))
      throw new UafError('MALFORMED_MESSAGE', `two assertions of authenticator ${aaid} key ${keyID}`);
    seen.add(key);
  }
};
