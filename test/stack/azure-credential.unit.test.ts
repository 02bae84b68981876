/**
 * The deploy steps pick the azure-native provider's identity the way the provider does
 * (pulumi-azure-native provider/pkg/provider/auth_azidentity.go): config `azure-native:<key>` over the ARM_*
 * variable, then Default Azure Credential > client certificate > client secret > OIDC > MSI > Azure CLI, and a
 * configured but incomplete method is an error rather than a silent fall-through.
 */
import { describe, expect, it } from 'vitest';
import { authMethod, authorityHost, readProviderAuth } from '../../stack/azure-credential';

const TENANT = '7f3c1a52-8d4e-4b6a-9c1f-2e5d8a7b6c40';
const CLIENT = '0b9e6f2d-3c4a-4e8b-a1d7-5f6e9c2b8a31';

const fromEnv = (env: Record<string, string>) => authMethod(readProviderAuth(() => undefined, env));
const fromConfig = (config: Record<string, string>, env: Record<string, string> = {}) =>
  authMethod(readProviderAuth((key) => config[key], env));

describe('azure-native identity selection', () => {
  it('uses the Azure CLI when nothing else is configured', () => {
    expect(fromEnv({})).toEqual({ kind: 'cli' });
    expect(fromEnv({ ARM_TENANT_ID: TENANT })).toEqual({ kind: 'cli', tenantId: TENANT });
  });

  it('follows the provider order: default > secret > OIDC > MSI > CLI', () => {
    const oidc = { ARM_USE_OIDC: 'true', ARM_CLIENT_ID: CLIENT, ARM_TENANT_ID: TENANT, ARM_OIDC_TOKEN: 'oidc-jwt' };
    expect(fromEnv({ ...oidc, ARM_USE_MSI: 'true' })).toEqual({
      kind: 'oidc',
      tenantId: TENANT,
      clientId: CLIENT,
      assertion: { from: 'token', token: 'oidc-jwt' },
    });
    expect(fromEnv({ ...oidc, ARM_CLIENT_SECRET: 's3cret' })).toEqual({
      kind: 'clientSecret',
      tenantId: TENANT,
      clientId: CLIENT,
      secret: 's3cret',
    });
    expect(fromEnv({ ...oidc, ARM_CLIENT_SECRET: 's3cret', ARM_USE_DEFAULT_AZURE_CREDENTIAL: 'true' })).toEqual({
      kind: 'default',
    });
    expect(fromEnv({ ARM_USE_MSI: 'true', ARM_CLIENT_ID: CLIENT })).toEqual({ kind: 'msi', clientId: CLIENT });
  });

  it('reads GitHub OIDC from the provider config, or from the ARM_* and Actions variables', () => {
    const request = {
      kind: 'oidc',
      tenantId: TENANT,
      clientId: CLIENT,
      assertion: {
        from: 'request',
        url: 'https://token.actions.example/token',
        requestToken: 'req-token',
        audience: 'api://AzureADTokenExchange',
      },
    };
    expect(
      fromConfig({
        'azure-native:useOidc': 'true',
        'azure-native:clientId': CLIENT,
        'azure-native:tenantId': TENANT,
        'azure-native:oidcRequestUrl': 'https://token.actions.example/token',
        'azure-native:oidcRequestToken': 'req-token',
      }),
    ).toEqual(request);
    expect(
      fromEnv({
        ARM_USE_OIDC: 'true',
        ARM_CLIENT_ID: CLIENT,
        ARM_TENANT_ID: TENANT,
        ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.example/token',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'req-token',
      }),
    ).toEqual(request);
    expect(
      fromEnv({
        ARM_USE_OIDC: 'true',
        ARM_CLIENT_ID: CLIENT,
        ARM_TENANT_ID: TENANT,
        ARM_OIDC_AUDIENCE: 'api://custom',
        ARM_OIDC_REQUEST_URL: 'https://token.actions.example/token',
        ARM_OIDC_REQUEST_TOKEN: 'req-token',
        ACTIONS_ID_TOKEN_REQUEST_URL: 'https://other.example/token',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'other',
      }),
    ).toEqual({ ...request, assertion: { ...request.assertion, audience: 'api://custom' } });
  });

  it('prefers the stack config over the environment', () => {
    expect(
      fromConfig(
        { 'azure-native:useMsi': 'true', 'azure-native:clientId': CLIENT },
        { ARM_CLIENT_ID: '99999999-9999-9999-9999-999999999999' },
      ),
    ).toEqual({ kind: 'msi', clientId: CLIENT });
  });

  it('fails on a configured but incomplete method instead of falling through', () => {
    expect(() => fromEnv({ ARM_USE_OIDC: 'true', ARM_CLIENT_ID: CLIENT })).toThrow(/tenantId must be set .* with OIDC/);
    expect(() => fromEnv({ ARM_USE_OIDC: 'true', ARM_CLIENT_ID: CLIENT, ARM_TENANT_ID: TENANT })).toThrow(
      /oidcRequestUrl, oidcRequestToken/,
    );
    expect(() => fromEnv({ ARM_CLIENT_SECRET: 's3cret', ARM_TENANT_ID: TENANT })).toThrow(
      /clientId must be set .* with a client secret/,
    );
    expect(() => fromEnv({ ARM_CLIENT_CERTIFICATE_PATH: '/tmp/sp.pfx' })).toThrow(/client certificate/);
  });

  it("targets the configured cloud's Entra authority", () => {
    expect(authorityHost(readProviderAuth(() => undefined, {}))).toBeUndefined();
    expect(authorityHost(readProviderAuth(() => undefined, { ARM_ENVIRONMENT: 'usgovernment' }))).toBe(
      'https://login.microsoftonline.us',
    );
    expect(authorityHost(readProviderAuth((k) => (k === 'azure-native:environment' ? 'china' : undefined), {}))).toBe(
      'https://login.chinacloudapi.cn',
    );
  });
});
