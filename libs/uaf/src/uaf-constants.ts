/**
 * Constants of the FIDO UAF 1.1 specifications: the TLV tags ("FIDO UAF Authenticator Commands"
 * §4.3, "FIDO UAF Registry of Predefined Values" §4) and the algorithm, key encoding and
 * authenticator characteristic values ("FIDO Registry of Predefined Values" §3).
 */

/** TLV tags used in UAF protocol messages (UAF Registry §4.1). */
export const UAF_TAGS = {
  TAG_UAFV1_REG_ASSERTION: 0x3e01,
  TAG_UAFV1_AUTH_ASSERTION: 0x3e02,
  TAG_UAFV1_KRD: 0x3e03,
  TAG_UAFV1_SIGNED_DATA: 0x3e04,
  TAG_ATTESTATION_CERT: 0x2e05,
  TAG_SIGNATURE: 0x2e06,
  TAG_ATTESTATION_BASIC_FULL: 0x3e07,
  TAG_ATTESTATION_BASIC_SURROGATE: 0x3e08,
  TAG_ATTESTATION_ECDAA: 0x3e09,
  TAG_KEYID: 0x2e09,
  TAG_FINAL_CHALLENGE_HASH: 0x2e0a,
  TAG_AAID: 0x2e0b,
  TAG_PUB_KEY: 0x2e0c,
  TAG_COUNTERS: 0x2e0d,
  TAG_ASSERTION_INFO: 0x2e0e,
  TAG_AUTHENTICATOR_NONCE: 0x2e0f,
  TAG_TRANSACTION_CONTENT_HASH: 0x2e10,
  /** A critical extension: a receiver that does not understand it must abort. */
  TAG_EXTENSION: 0x3e11,
  TAG_EXTENSION_NON_CRITICAL: 0x3e12,
  TAG_EXTENSION_ID: 0x2e13,
  TAG_EXTENSION_DATA: 0x2e14,
  /** UVI and UVS (UAF Registry §4.1): non-critical, may appear in assertions. */
  TAG_USER_VERIFICATION_INDEX: 0x0104,
  TAG_USER_VERIFICATION_STATE: 0x0106,
} as const;

/** Bit 0x1000 of a tag: its value is a sequence of TLVs (Authenticator Commands §4). */
export const TLV_COMPOSITE_BIT = 0x1000;
/** Bit 0x2000 of a tag: a receiver that cannot process the tag must abort (Authenticator Commands §4). */
export const TLV_CRITICAL_BIT = 0x2000;

/** Authentication algorithms, ALG_SIGN_* (FIDO Registry §3.6.1). */
export const UAF_ALG = {
  ALG_SIGN_SECP256R1_ECDSA_SHA256_RAW: 0x0001,
  ALG_SIGN_SECP256R1_ECDSA_SHA256_DER: 0x0002,
  ALG_SIGN_RSASSA_PSS_SHA256_RAW: 0x0003,
  ALG_SIGN_RSASSA_PSS_SHA256_DER: 0x0004,
  ALG_SIGN_SECP256K1_ECDSA_SHA256_RAW: 0x0005,
  ALG_SIGN_SECP256K1_ECDSA_SHA256_DER: 0x0006,
  /** Optional in the registry; not verified here (node:crypto has no SM2/SM3 signature with SM2's Z value). */
  ALG_SIGN_SM2_SM3_RAW: 0x0007,
  ALG_SIGN_RSA_EMSA_PKCS1_SHA256_RAW: 0x0008,
  ALG_SIGN_RSA_EMSA_PKCS1_SHA256_DER: 0x0009,
} as const;

/** Public key representation formats, ALG_KEY_* (FIDO Registry §3.6.2). */
export const UAF_KEY = {
  ALG_KEY_ECC_X962_RAW: 0x0100,
  ALG_KEY_ECC_X962_DER: 0x0101,
  ALG_KEY_RSA_2048_RAW: 0x0102,
  ALG_KEY_RSA_2048_DER: 0x0103,
} as const;

/** User verification methods, a 32-bit field (FIDO Registry §3.1). */
export const USER_VERIFY = {
  USER_VERIFY_PRESENCE: 0x00000001,
  USER_VERIFY_FINGERPRINT: 0x00000002,
  USER_VERIFY_PASSCODE: 0x00000004,
  USER_VERIFY_VOICEPRINT: 0x00000008,
  USER_VERIFY_FACEPRINT: 0x00000010,
  USER_VERIFY_LOCATION: 0x00000020,
  USER_VERIFY_EYEPRINT: 0x00000040,
  USER_VERIFY_PATTERN: 0x00000080,
  USER_VERIFY_HANDPRINT: 0x00000100,
  USER_VERIFY_NONE: 0x00000200,
  USER_VERIFY_ALL: 0x00000400,
} as const;

/** Key protection types, a 16-bit field (FIDO Registry §3.2). */
export const KEY_PROTECTION = {
  KEY_PROTECTION_SOFTWARE: 0x0001,
  KEY_PROTECTION_HARDWARE: 0x0002,
  KEY_PROTECTION_TEE: 0x0004,
  KEY_PROTECTION_SECURE_ELEMENT: 0x0008,
  KEY_PROTECTION_REMOTE_HANDLE: 0x0010,
} as const;

/** Matcher protection types, a 16-bit field (FIDO Registry §3.3). */
export const MATCHER_PROTECTION = {
  MATCHER_PROTECTION_SOFTWARE: 0x0001,
  MATCHER_PROTECTION_TEE: 0x0002,
  MATCHER_PROTECTION_ON_CHIP: 0x0004,
} as const;

/** Authenticator attachment hints, a 32-bit field (FIDO Registry §3.4). */
export const ATTACHMENT_HINT = {
  ATTACHMENT_HINT_INTERNAL: 0x0001,
  ATTACHMENT_HINT_EXTERNAL: 0x0002,
  ATTACHMENT_HINT_WIRED: 0x0004,
  ATTACHMENT_HINT_WIRELESS: 0x0008,
  ATTACHMENT_HINT_NFC: 0x0010,
  ATTACHMENT_HINT_BLUETOOTH: 0x0020,
  ATTACHMENT_HINT_NETWORK: 0x0040,
  ATTACHMENT_HINT_READY: 0x0080,
  ATTACHMENT_HINT_WIFI_DIRECT: 0x0100,
} as const;

/** Transaction confirmation display types, a 16-bit field (FIDO Registry §3.5). */
export const TRANSACTION_CONFIRMATION_DISPLAY = {
  TRANSACTION_CONFIRMATION_DISPLAY_ANY: 0x0001,
  TRANSACTION_CONFIRMATION_DISPLAY_PRIVILEGED_SOFTWARE: 0x0002,
  TRANSACTION_CONFIRMATION_DISPLAY_TEE: 0x0004,
  TRANSACTION_CONFIRMATION_DISPLAY_HARDWARE: 0x0008,
  TRANSACTION_CONFIRMATION_DISPLAY_REMOTE: 0x0010,
} as const;

/** The only assertion scheme of UAF 1.1 (UAF Registry §3.1). */
export const UAF_ASSERTION_SCHEME = 'UAFV1TLV';

/** The protocol version this server speaks (UAF Protocol §3.1.3: major 1, minor 1). */
export const UAF_PROTOCOL_VERSION = { major: 1, minor: 1 } as const;

/** AuthenticationMode of TAG_ASSERTION_INFO (Authenticator Commands §5.2). */
export const AUTHENTICATION_MODE = { USER_VERIFIED: 0x01, TRANSACTION_CONFIRMED: 0x02 } as const;
