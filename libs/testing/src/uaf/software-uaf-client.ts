import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { SoftwareUafAuthenticator, UafAuthenticatorCharacteristics } from './software-uaf-authenticator';

/**
 * A software FIDO UAF 1.1 client (FIDO UAF Protocol Specification v1.1) around one
 * SoftwareUafAuthenticator: it turns the UAF request messages a server sends (the JSON text of a
 * RegistrationRequest, AuthenticationRequest or DeregistrationRequest array) into the response
 * message text the server completes with. It matches the request's policy like a real client and
 * refuses what the policy does not allow unless told `ignorePolicy`, so tests can also send what a
 * server must reject. It does not fetch the trusted facet list at appID: the facetID it claims is
 * the test's to choose (a server checks it against its own facets).
 */

const Version = z.object({ major: z.number().int(), minor: z.number().int() });
/** OperationHeader, kept as sent (unknown members included): the response repeats it. */
const OperationHeader = z.looseObject({
  upv: Version,
  op: z.enum(['Reg', 'Auth', 'Dereg']),
  appID: z.string().optional(),
  serverData: z.string().optional(),
});
/** MatchCriteria (UAF Protocol v1.1, "MatchCriteria dictionary"); members it does not know are ignored. */
const MatchCriteria = z.object({
  aaid: z.array(z.string()).optional(),
  vendorID: z.array(z.string()).optional(),
  keyIDs: z.array(z.string()).optional(),
  userVerification: z.number().int().optional(),
  keyProtection: z.number().int().optional(),
  matcherProtection: z.number().int().optional(),
  attachmentHint: z.number().int().optional(),
  tcDisplay: z.number().int().optional(),
  authenticationAlgorithms: z.array(z.number().int()).optional(),
  assertionSchemes: z.array(z.string()).optional(),
  attestationTypes: z.array(z.number().int()).optional(),
  authenticatorVersion: z.number().int().optional(),
});
type MatchCriteria = z.infer<typeof MatchCriteria>;
const Policy = z.object({
  accepted: z.array(z.array(MatchCriteria)),
  disallowed: z.array(MatchCriteria).optional(),
});
type Policy = z.infer<typeof Policy>;

const RegistrationRequest = z.object({
  header: OperationHeader,
  challenge: z.string(),
  username: z.string(),
  policy: Policy,
});
const AuthenticationRequest = z.object({
  header: OperationHeader,
  challenge: z.string(),
  transaction: z.array(z.looseObject({ contentType: z.string(), content: z.string() })).optional(),
  policy: Policy,
});
const DeregistrationRequest = z.object({
  header: OperationHeader,
  authenticators: z.array(z.object({ aaid: z.string(), keyID: z.string() })),
});

const USER_VERIFY_ALL = 0x400;

export interface UafClientOptions {
  /** The FacetID this client runs as (an https origin, android:apk-key-hash:…, ios:bundle-id:…). */
  facetID: string;
  authenticator: SoftwareUafAuthenticator;
}

export interface UafCeremonyOptions {
  /** FacetID for this message only (e.g. one the server does not trust). */
  facetID?: string;
  /** Challenge to put into fcParams instead of the request's (a wrong or replayed one). */
  challenge?: string;
  /** Answer even when the policy does not allow this authenticator or key (what a server must refuse). */
  ignorePolicy?: boolean;
}

export interface UafAuthenticateOptions extends UafCeremonyOptions {
  /** base64url keyID to sign with; default the first of the authenticator's keys the policy allows. */
  keyID?: string;
  /**
   * Default true: with a transaction in the request, the user confirms it (AuthenticationMode 0x02
   * and its content hash). False signs a plain authentication (mode 0x01, empty hash) anyway.
   */
  confirmTransaction?: boolean;
}

/**
 * The message of the array this client processes (UAF Protocol v1.1, "Version Negotiation"): the
 * one of the highest version it implements, 1.1, else 1.0.
 */
const chooseMessage = <M extends { header: z.infer<typeof OperationHeader> }>(
  text: string,
  schema: z.ZodType<M>,
  op: M['header']['op'],
): M => {
  const messages = z.array(schema).parse(JSON.parse(text));
  const message =
    messages.find(({ header }) => header.upv.major === 1 && header.upv.minor === 1) ??
    messages.find(({ header }) => header.upv.major === 1 && header.upv.minor === 0);
  if (!message) throw new Error('PROTOCOL_ERROR: no UAF 1.1 or 1.0 message in the request');
  if (message.header.op !== op)
    throw new Error(`PROTOCOL_ERROR: expected op "${op}", got "${message.header.op}"`);
  return message;
};

const sameAaid = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();
const anyFlag = (required: number | undefined, supported: number) =>
  required === undefined || (required & supported) !== 0;

/**
 * Whether one MatchCriteria matches the authenticator holding `keyIDs` for the appID: every member
 * present must match (UAF Protocol v1.1, "MatchCriteria dictionary"). Bit-flag members match when
 * the authenticator has one of the flags; userVerification with USER_VERIFY_ALL needs all of them;
 * authenticatorVersion is a minimum.
 */
const matches = (
  criteria: MatchCriteria,
  authenticator: UafAuthenticatorCharacteristics,
  keyIDs: string[],
): boolean =>
  (criteria.aaid === undefined || criteria.aaid.some((aaid) => sameAaid(aaid, authenticator.aaid))) &&
  (criteria.vendorID === undefined ||
    criteria.vendorID.some((vendor) => sameAaid(vendor, authenticator.aaid.slice(0, 4)))) &&
  (criteria.keyIDs === undefined || criteria.keyIDs.some((keyID) => keyIDs.includes(keyID))) &&
  (criteria.userVerification === undefined ||
    (criteria.userVerification & USER_VERIFY_ALL
      ? (criteria.userVerification & ~USER_VERIFY_ALL & authenticator.userVerification) ===
        (criteria.userVerification & ~USER_VERIFY_ALL)
      : (criteria.userVerification & authenticator.userVerification) !== 0)) &&
  anyFlag(criteria.keyProtection, authenticator.keyProtection) &&
  anyFlag(criteria.matcherProtection, authenticator.matcherProtection) &&
  anyFlag(criteria.attachmentHint, authenticator.attachmentHint) &&
  anyFlag(criteria.tcDisplay, authenticator.tcDisplay) &&
  (criteria.authenticationAlgorithms === undefined ||
    criteria.authenticationAlgorithms.includes(authenticator.authenticationAlgorithm)) &&
  (criteria.assertionSchemes === undefined ||
    criteria.assertionSchemes.includes(authenticator.assertionScheme)) &&
  (criteria.attestationTypes === undefined ||
    criteria.attestationTypes.includes(authenticator.attestationType)) &&
  (criteria.authenticatorVersion === undefined ||
    authenticator.authenticatorVersion >= criteria.authenticatorVersion);

/**
 * Whether the policy lets this one authenticator act with `keyIDs` ("Processing Rules for the
 * Server Policy"): an `accepted` combination of a single MatchCriteria matches it (combinations of
 * several name several authenticators used together, which one authenticator cannot satisfy) and
 * no `disallowed` criteria matches it.
 */
const policyAllows = (
  policy: Policy,
  authenticator: UafAuthenticatorCharacteristics,
  keyIDs: string[],
): boolean =>
  policy.accepted.some(
    ([criteria, ...others]) =>
      criteria !== undefined && others.length === 0 && matches(criteria, authenticator, keyIDs),
  ) && !(policy.disallowed ?? []).some((criteria) => matches(criteria, authenticator, keyIDs));

export class SoftwareUafClient {
  private readonly facetID: string;
  private readonly authenticator: SoftwareUafAuthenticator;

  constructor(options: UafClientOptions) {
    this.facetID = options.facetID;
    this.authenticator = options.authenticator;
  }

  /** Runs a RegistrationRequest message; answers the RegistrationResponse message text. */
  register(uafRequestText: string, options: UafCeremonyOptions = {}): string {
    const request = chooseMessage(uafRequestText, RegistrationRequest, 'Reg');
    const { appID, facetID } = this.origin(request.header, options);
    const characteristics = this.authenticator.characteristics;
    if (
      !options.ignorePolicy &&
      !policyAllows(request.policy, characteristics, this.authenticator.keyIDs(appID))
    )
      throw new Error(
        `NO_SUITABLE_AUTHENTICATOR: the policy does not allow ${characteristics.aaid} for ${appID}`,
      );
    const fcParams = finalChallengeParams(appID, options.challenge ?? request.challenge, facetID);
    const { assertion } = this.authenticator.register({
      appID,
      finalChallengeHash: finalChallengeHash(fcParams),
    });
    return responseText(request.header, fcParams, assertion);
  }

  /**
   * Runs an AuthenticationRequest message with one of the authenticator's keys the policy allows;
   * answers the AuthenticationResponse message text.
   */
  authenticate(uafRequestText: string, options: UafAuthenticateOptions = {}): string {
    const request = chooseMessage(uafRequestText, AuthenticationRequest, 'Auth');
    const { appID, facetID } = this.origin(request.header, options);
    const characteristics = this.authenticator.characteristics;
    const allowed = this.authenticator
      .keyIDs(appID)
      .filter((keyID) => options.ignorePolicy || policyAllows(request.policy, characteristics, [keyID]));
    const keyID = options.keyID ?? allowed[0];
    if (!keyID) throw new Error(`NO_SUITABLE_AUTHENTICATOR: no key for ${appID} that the policy allows`);
    if (!options.ignorePolicy && !allowed.includes(keyID))
      throw new Error(`NO_SUITABLE_AUTHENTICATOR: the policy does not allow key ${keyID}`);
    const transactionContent = this.transactionToConfirm(
      request.transaction,
      options.confirmTransaction ?? true,
    );
    const fcParams = finalChallengeParams(appID, options.challenge ?? request.challenge, facetID);
    const assertion = this.authenticator.sign({
      appID,
      keyID,
      finalChallengeHash: finalChallengeHash(fcParams),
      transactionContent,
    });
    return responseText(request.header, fcParams, assertion);
  }

  /**
   * Runs a DeregistrationRequest message: the authenticator forgets the keys named. An empty aaid
   * names every authenticator, an empty keyID every key of the appID (UAF Protocol v1.1,
   * "DeregisterAuthenticator dictionary").
   */
  deregister(uafRequestText: string): void {
    const request = chooseMessage(uafRequestText, DeregistrationRequest, 'Dereg');
    const { appID } = this.origin(request.header, {});
    for (const { aaid, keyID } of request.authenticators)
      if (aaid === '' || sameAaid(aaid, this.authenticator.aaid)) this.authenticator.deregister(appID, keyID);
  }

  /** An empty or missing appID means the caller's own facet (FIDO AppID and Facet Specification). */
  private origin(header: { appID?: string }, options: UafCeremonyOptions) {
    const facetID = options.facetID ?? this.facetID;
    return { appID: header.appID || facetID, facetID };
  }

  /**
   * The decoded content of the transaction the authenticator displays: the first one of its
   * content type ("text/plain"; UAF Protocol v1.1, "Transaction dictionary", content is base64url).
   * The authenticator hashes these bytes (Authenticator Commands v1.1, "Sign Command":
   * TransactionContentHash = hash(TransactionContent)).
   */
  private transactionToConfirm(
    transactions: { contentType: string; content: string }[] | undefined,
    confirm: boolean,
  ): Buffer | undefined {
    if (!transactions?.length || !confirm) return undefined;
    const contentType = this.authenticator.characteristics.tcDisplayContentType;
    const transaction = transactions.find((candidate) => candidate.contentType === contentType);
    if (!transaction) throw new Error(`NO_SUITABLE_AUTHENTICATOR: no transaction of type ${contentType}`);
    return Buffer.from(transaction.content, 'base64url');
  }
}

/**
 * fcParams: base64url of the UTF-8 JSON FinalChallengeParams { appID, challenge, facetID,
 * channelBinding } (UAF Protocol v1.1, "FinalChallengeParams dictionary"; no TLS channel binding
 * data is known here, so channelBinding is empty).
 */
const finalChallengeParams = (appID: string, challenge: string, facetID: string): string =>
  Buffer.from(JSON.stringify({ appID, challenge, facetID, channelBinding: {} }), 'utf8').toString(
    'base64url',
  );

/**
 * The final challenge hash the authenticator signs: the hash of the fcParams string itself (UAF
 * Protocol v1.1, "Registration/Authentication Response Generation Rules for FIDO UAF Clients";
 * SHA-256 for these algorithms). The spec's example responses hash exactly this.
 */
const finalChallengeHash = (fcParams: string): Buffer =>
  createHash('sha256').update(fcParams, 'utf8').digest();

/** A RegistrationResponse or AuthenticationResponse array: the request's header, fcParams, one UAFV1TLV assertion. */
const responseText = (header: z.infer<typeof OperationHeader>, fcParams: string, assertion: Buffer): string =>
  JSON.stringify([
    {
      header,
      fcParams,
      assertions: [{ assertionScheme: 'UAFV1TLV', assertion: assertion.toString('base64url') }],
    },
  ]);
