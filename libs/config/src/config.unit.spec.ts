import { ConfigError, gatewayEnv, loadConfig, trustProxySchema } from './index';

describe('TRUST_PROXY', () => {
  it('reads true/false, a hop count, or proxy addresses, subnets and names', () => {
    expect(trustProxySchema.parse('true')).toBe(true);
    expect(trustProxySchema.parse('FALSE')).toBe(false);
    expect(trustProxySchema.parse('1')).toBe(1);
    expect(trustProxySchema.parse('loopback, 10.0.0.0/8 ,fd00::/8,192.0.2.1')).toEqual([
      'loopback',
      '10.0.0.0/8',
      'fd00::/8',
      '192.0.2.1',
    ]);
  });

  it('is optional in the gateway environment, and a bad value is a configuration error naming it', () => {
    const base = {
      DATABASE_URL: 'postgresql://gateway@db/gateway',
      IDENTITY_URL: 'http://identity:8081',
      TOTP_URL: 'http://totp:8082',
      PASSCODE_URL: 'http://passcode:8084',
      PASSKEY_URL: 'http://passkey:8085',
      AUDIT_URL: 'http://audit:8083',
      // Required since H1: the gateway signs the grants its services accept.
      GATEWAY_SIGNING_KEY: 'an Ed25519 private key',
    };
    expect(loadConfig(gatewayEnv, base).TRUST_PROXY).toBeUndefined();
    expect(loadConfig(gatewayEnv, { ...base, TRUST_PROXY: 'uniquelocal' }).TRUST_PROXY).toEqual([
      'uniquelocal',
    ]);
    expect(() => loadConfig(gatewayEnv, { ...base, TRUST_PROXY: 'loopback,proxy.example' })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig(gatewayEnv, { ...base, TRUST_PROXY: '10.0.0.0/99' })).toThrow(
      /TRUST_PROXY: .*10\.0\.0\.0\/99/,
    );
  });
});
