import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.ts';
import { ConfigError } from '../../core/errors.ts';
import { resolveAuthSettings } from './auth-settings.ts';

const config = (env: Record<string, string> = {}) => loadConfig({ env, cwd: '/' }).config;

describe('resolveAuthSettings', () => {
  it('is off on a loopback host and required elsewhere unless set', () => {
    expect(resolveAuthSettings(config()).mode).toBe('off');
    expect(resolveAuthSettings(config({ GODWIT_HOST: '0.0.0.0' })).mode).toBe('required');
    expect(resolveAuthSettings(config({ GODWIT_AUTH__MODE: 'required' })).mode).toBe('required');
    expect(resolveAuthSettings(config(), { exposed: true }).mode).toBe('required');
  });

  it('refuses auth.mode=off on a server others can reach', () => {
    const open = config({ GODWIT_HOST: '0.0.0.0', GODWIT_AUTH__MODE: 'off' });
    expect(() => resolveAuthSettings(open)).toThrow(ConfigError);
    expect(() => resolveAuthSettings(config({ GODWIT_AUTH__MODE: 'off' }), { exposed: true })).toThrow(
      /GODWIT_AUTH__MODE=required/,
    );
  });

  it('enables JWTs with an issuer, defaulting the key set URL and the claims', () => {
    const settings = resolveAuthSettings(
      config({
        GODWIT_AUTH__JWT__ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool/',
        GODWIT_AUTH__JWT__AUDIENCE: 'client-a, client-b',
      }),
    );
    expect(settings.jwt).toMatchObject({
      jwksUrl: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool/.well-known/jwks.json',
      audience: ['client-a', 'client-b'],
      tenantClaim: 'custom:tenant',
      roleClaim: 'cognito:groups',
      algorithms: ['RS256', 'ES256'],
    });
    expect(resolveAuthSettings(config()).jwt).toBeNull();
  });

  it.each([
    [{ GODWIT_AUTH__JWT__ALGORITHMS: 'none' }, /auth\.jwt\.algorithms/],
    [{ GODWIT_AUTH__JWT__ALGORITHMS: 'RS256,HS256' }, /auth\.jwt\.algorithms/],
    [{ GODWIT_AUTH__JWT__ISSUER: 'https://issuer.example' }, /auth\.jwt\.audience must name at least one/],
    [{ GODWIT_AUTH__MODE: 'sometimes' }, /auth\.mode/],
  ])('rejects an unsafe or incomplete configuration %j', (env, message) => {
    expect(() => config(env)).toThrow(message);
  });
});
