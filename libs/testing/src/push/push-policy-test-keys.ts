import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { pemKeyPair } from './push-test-keys';

/**
 * Key material for push notification policies and appkey configurations in specs: fresh provider
 * keys (an APNs `.p8`-like ECDSA P-256 PKCS#8 key, an FCM service account's RSA key) and two fixed
 * certificates (an attestation root CA, and a leaf it issued that is no CA). Never real credentials.
 */

const pkcs8Pem = ({ privateKey }: { privateKey: KeyObject }) => privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** A fresh ECDSA P-256 private key, PKCS#8 PEM: what an APNs `.p8` key file holds. */
export const apnsTestPrivateKey = (): string => pemKeyPair('ec').privateKey;

/** A fresh RSA private key (2048 bits unless given), PKCS#8 PEM: what a service account's JSON key holds. */
export const fcmTestPrivateKey = (modulusLength = 2048): string => pkcs8Pem(generateKeyPairSync('rsa', { modulusLength }));

/** A self-signed ECDSA P-256 CA certificate (basicConstraints cA), valid until 2126. */
export const TEST_ATTESTATION_ROOT_PEM = `-----BEGIN CERTIFICATE-----
MIIBxTCCAWugAwIBAgIULNQ3Zn9+2bpfM2SslhFf0HOub/YwCgYIKoZIzj0EAwIw
LzEtMCsGA1UEAwwkaWRlbnRpdHktc3RvcmUgdGVzdCBhdHRlc3RhdGlvbiByb290
MCAXDTI2MTEzMDE1MTIzMFoYDzIxMjYxMTA2MTUxMjMwWjAvMS0wKwYDVQQDDCRp
ZGVudGl0eS1zdG9yZSB0ZXN0IGF0dGVzdGF0aW9uIHJvb3QwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAAQykEZhSPVyjBLKm5HVQDttkipscpj+N7O4bs6hzLVCFX8v
fSNpxxhivaFU0lJFxv9mH/fYTDScukTVqjV74IvKo2MwYTAdBgNVHQ4EFgQURsde
NcnNgNf+JqK4TnZ3SBZVh+kwHwYDVR0jBBgwFoAURsdeNcnNgNf+JqK4TnZ3SBZV
h+kwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwCgYIKoZIzj0EAwID
SAAwRQIhAJdTgmLtpwW6D4C9QQiq0x35toWbePLJxStGZd7U1+heAiBRpp72tbIQ
mNBiI8Ai9790VUbRbISFR0ub1VJkEEsQCQ==
-----END CERTIFICATE-----
`;

/** An end-entity certificate TEST_ATTESTATION_ROOT_PEM issued (basicConstraints cA false), valid until 2126. */
export const TEST_LEAF_CERTIFICATE_PEM = `-----BEGIN CERTIFICATE-----
MIIBpjCCAUygAwIBAgIUd7XiaDZ77NxP60Cwnviwf0GyFkAwCgYIKoZIzj0EAwIw
LzEtMCsGA1UEAwwkaWRlbnRpdHktc3RvcmUgdGVzdCBhdHRlc3RhdGlvbiByb290
MCAXDTI2MTEzMDE1MTIzMFoYDzIxMjYxMTA2MTUxMjMwWjAjMSEwHwYDVQQDDBhp
ZGVudGl0eS1zdG9yZSB0ZXN0IGxlYWYwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AASzFanmFEuobHnUIAePa7DDDqO4YKN4Vqi/EEEignUaye/PXzJq87LzYWlWNaQs
OaCXrY3Jj5XjBKU0nAsII3PIo1AwTjAMBgNVHRMBAf8EAjAAMB0GA1UdDgQWBBRb
V5FG2Z4B0Icfb7T4inYIt3v1ZDAfBgNVHSMEGDAWgBRGx141yc2A1/4morhOdndI
FlWH6TAKBggqhkjOPQQDAgNIADBFAiAOUuPloSeqiT16h0ZKqC4qKM8I861AnZJA
WRSL1TJ3EgIhAOt8/hqeXbHm1pT34fAmveZkjYfT2VIP8bZz5uqGEGwE
-----END CERTIFICATE-----
`;
