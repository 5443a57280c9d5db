/**
 * The service apps the embedded process composes, by their entry points (for code of this app
 * below src/, e.g. the distributed test rig, which Nx's boundary rule lets import them only here).
 */
export { createAppkeyModule } from '@identity-store/appkey';
export { createAuditModule } from '@identity-store/audit';
export { createBiometricModule } from '@identity-store/biometric';
export { createFaceAnalyzer } from '@identity-store/face';
export { createGatewayApp, jwtSecretFrom } from '@identity-store/gateway';
export { createIdentityModule } from '@identity-store/identity';
export { createPasscodeModule } from '@identity-store/passcode';
export { createPasskeyModule } from '@identity-store/passkey';
export { createTotpModule } from '@identity-store/totp';
