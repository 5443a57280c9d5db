/**
 * The service apps the embedded process composes, by their entry points (for code of this app
 * below src/, e.g. the distributed test rig, which Nx's boundary rule lets import them only here).
 */
export { createAuditModule } from '../../audit/src';
export { createGatewayApp, jwtSecretFrom } from '../../gateway/src';
export { createIdentityModule } from '../../identity/src';
export { createPasscodeModule } from '../../passcode/src';
export { createPasskeyModule } from '../../passkey/src';
export { createTotpModule } from '../../totp/src';
