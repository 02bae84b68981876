/**
 * The azure-native provider's identity, for the steps our dynamic providers run against Azure (code deploy,
 * Key Vault reference check, principal visibility). Settings are read the way azure-native reads them: the
 * stack config `azure-native:<key>` first, then its environment variable; the method is chosen in the
 * provider's order (pulumi-azure-native provider/pkg/provider/auth_azidentity.go, newSingleMethodAuthCredential):
 * Default Azure Credential, client certificate, client secret, OIDC, managed identity, Azure CLI.
 *
 * Tokens are fetched when a step runs, inside the provider host; nothing here is an input or an output, so no
 * credential reaches the state and none causes a diff. No module-level imports: Pulumi serializes these
 * functions into the dynamic providers, and `require` inside a function body survives that.
 */

/** Reads one stack config value by its full key (`azure-native:clientId`); undefined when not set. */
export type ConfigLookup = (key: string) => string | undefined;
export type Environment = Readonly<Record<string, string | undefined>>;

/** The azure-native authentication settings (config over environment), as plain data. */
export interface ProviderAuth {
  readonly clientId?: string;
  readonly tenantId?: string;
  readonly clientSecret?: string;
  readonly clientCertificatePath?: string;
  readonly useDefaultAzureCredential: boolean;
  readonly useOidc: boolean;
  readonly oidcToken?: string;
  readonly oidcTokenFilePath?: string;
  readonly oidcRequestUrl?: string;
  readonly oidcRequestToken?: string;
  readonly oidcAudience?: string;
  readonly useMsi: boolean;
  readonly activeDirectoryAuthorityHost?: string;
  readonly environment?: string;
  readonly disableInstanceDiscovery: boolean;
}

/** GitHub's token request audience for Entra workload identity federation. */
export const DEFAULT_OIDC_AUDIENCE = 'api://AzureADTokenExchange';

export function readProviderAuth(config: ConfigLookup, env: Environment): ProviderAuth {
  const get = (key: string, ...envNames: string[]): string | undefined => {
    const fromConfig = config(`azure-native:${key}`);
    if (fromConfig !== undefined && fromConfig !== '') return fromConfig;
    for (const name of envNames) {
      const value = env[name];
      if (value !== undefined && value !== '') return value;
    }
    return undefined;
  };
  const flag = (key: string, ...envNames: string[]) => get(key, ...envNames) === 'true';
  return {
    clientId: get('clientId', 'ARM_CLIENT_ID'),
    tenantId: get('tenantId', 'ARM_TENANT_ID'),
    clientSecret: get('clientSecret', 'ARM_CLIENT_SECRET'),
    clientCertificatePath: get('clientCertificatePath', 'ARM_CLIENT_CERTIFICATE_PATH'),
    useDefaultAzureCredential: flag('useDefaultAzureCredential', 'ARM_USE_DEFAULT_AZURE_CREDENTIAL'),
    useOidc: flag('useOidc', 'ARM_USE_OIDC'),
    oidcToken: get('oidcToken', 'ARM_OIDC_TOKEN'),
    oidcTokenFilePath: get('oidcTokenFilePath', 'ARM_OIDC_TOKEN_FILE_PATH'),
    oidcRequestUrl: get('oidcRequestUrl', 'ARM_OIDC_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_URL'),
    oidcRequestToken: get('oidcRequestToken', 'ARM_OIDC_REQUEST_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'),
    oidcAudience: get('oidcAudience', 'ARM_OIDC_AUDIENCE'),
    useMsi: flag('useMsi', 'ARM_USE_MSI'),
    activeDirectoryAuthorityHost: get('activeDirectoryAuthorityHost', 'ARM_ACTIVE_DIRECTORY_AUTHORITY_HOST'),
    environment: get('environment', 'ARM_ENVIRONMENT', 'AZURE_ENVIRONMENT'),
    disableInstanceDiscovery: flag('disableInstanceDiscovery', 'ARM_DISABLE_INSTANCE_DISCOVERY'),
  };
}

/** The method azure-native would use for these settings. */
export type AuthMethod =
  | { readonly kind: 'default' }
  | { readonly kind: 'clientSecret'; readonly tenantId: string; readonly clientId: string; readonly secret: string }
  | {
      readonly kind: 'oidc';
      readonly tenantId: string;
      readonly clientId: string;
      readonly assertion:
        | { readonly from: 'token'; readonly token: string }
        | { readonly from: 'file'; readonly path: string }
        | { readonly from: 'request'; readonly url: string; readonly requestToken: string; readonly audience: string };
    }
  | { readonly kind: 'msi'; readonly clientId?: string }
  | { readonly kind: 'cli'; readonly tenantId?: string };

function missing(what: string, method: string): Error {
  return new Error(
    `azure-native authentication: ${what} must be set (azure-native config or ARM_* variable) to authenticate ${method}`,
  );
}

/** Chooses the method in azure-native's order; a method that is configured but incomplete is an error, not a fall-through. */
export function authMethod(auth: ProviderAuth): AuthMethod {
  if (auth.useDefaultAzureCredential) return { kind: 'default' };
  if (auth.clientCertificatePath !== undefined) {
    throw new Error(
      'azure-native authentication: a client certificate (clientCertificatePath) is configured, which the ' +
        'code deployment step does not support; use OIDC, a client secret, a managed identity or the Azure CLI',
    );
  }
  if (auth.clientSecret !== undefined) {
    if (auth.tenantId === undefined) throw missing('tenantId', 'with a client secret');
    if (auth.clientId === undefined) throw missing('clientId', 'with a client secret');
    return { kind: 'clientSecret', tenantId: auth.tenantId, clientId: auth.clientId, secret: auth.clientSecret };
  }
  if (auth.useOidc) {
    if (auth.tenantId === undefined) throw missing('tenantId', 'with OIDC');
    if (auth.clientId === undefined) throw missing('clientId', 'with OIDC');
    const base = { kind: 'oidc' as const, tenantId: auth.tenantId, clientId: auth.clientId };
    if (auth.oidcToken !== undefined) return { ...base, assertion: { from: 'token', token: auth.oidcToken } };
    if (auth.oidcTokenFilePath !== undefined)
      return { ...base, assertion: { from: 'file', path: auth.oidcTokenFilePath } };
    if (auth.oidcRequestUrl !== undefined && auth.oidcRequestToken !== undefined) {
      return {
        ...base,
        assertion: {
          from: 'request',
          url: auth.oidcRequestUrl,
          requestToken: auth.oidcRequestToken,
          audience: auth.oidcAudience ?? DEFAULT_OIDC_AUDIENCE,
        },
      };
    }
    throw missing(
      'an OIDC token (oidcToken, oidcTokenFilePath) or a token request URL and token (oidcRequestUrl, oidcRequestToken)',
      'with OIDC',
    );
  }
  if (auth.useMsi) return auth.clientId === undefined ? { kind: 'msi' } : { kind: 'msi', clientId: auth.clientId };
  return auth.tenantId === undefined ? { kind: 'cli' } : { kind: 'cli', tenantId: auth.tenantId };
}

/** For logs: which identity the step uses, without any secret. */
export function describeAuthMethod(method: AuthMethod): string {
  switch (method.kind) {
    case 'default':
      return 'DefaultAzureCredential';
    case 'clientSecret':
      return `client secret of ${method.clientId} in tenant ${method.tenantId}`;
    case 'oidc': {
      const from = method.assertion.from === 'request' ? 'token request' : `token ${method.assertion.from}`;
      return `OIDC (${from}) as ${method.clientId} in tenant ${method.tenantId}`;
    }
    case 'msi':
      return `managed identity${method.clientId ? ` ${method.clientId}` : ''}`;
    case 'cli':
      return 'Azure CLI';
    default: {
      const never: never = method;
      return String(never);
    }
  }
}

/** Entra authority host for the configured cloud (azure-native's `activeDirectoryAuthorityHost` or `environment`). */
export function authorityHost(auth: ProviderAuth): string | undefined {
  if (auth.activeDirectoryAuthorityHost !== undefined) return auth.activeDirectoryAuthorityHost;
  switch ((auth.environment ?? '').toLowerCase()) {
    case 'usgovernment':
    case 'usgovernmentcloud':
    case 'azureusgovernment':
    case 'azureusgovernmentcloud':
      return 'https://login.microsoftonline.us';
    case 'china':
    case 'chinacloud':
    case 'azurechina':
    case 'azurechinacloud':
      return 'https://login.chinacloudapi.cn';
    default:
      return undefined;
  }
}

/**
 * GitHub Actions' OIDC token request: GET the request URL with `audience` added and the request token as
 * bearer; the answer is `{ "value": "<JWT>" }`. The JWT is the client assertion Entra exchanges.
 */
export async function requestOidcToken(
  url: string,
  requestToken: string,
  audience: string,
  fetch: typeof globalThis.fetch,
): Promise<string> {
  const target = new URL(url);
  target.searchParams.set('audience', audience);
  const response = await fetch(target, {
    headers: { authorization: `Bearer ${requestToken}`, accept: 'application/json' },
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`OIDC token request to ${target.origin} answered ${response.status}: ${text.slice(0, 300)}`);
  let value: unknown;
  try {
    value = (JSON.parse(text) as { value?: unknown }).value;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'string' || value === '')
    throw new Error(`OIDC token request to ${target.origin} returned no token`);
  return value;
}

export interface Credential {
  getToken(scope: string): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

/** The @azure/identity credential for `method`, created in the provider host. */
export function createCredential(method: AuthMethod, auth: ProviderAuth, fetch: typeof globalThis.fetch): Credential {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const identity = require('@azure/identity') as typeof import('@azure/identity');
  const host = authorityHost(auth);
  const entra = {
    ...(host === undefined ? {} : { authorityHost: host }),
    disableInstanceDiscovery: auth.disableInstanceDiscovery,
  };
  switch (method.kind) {
    case 'default':
      return new identity.DefaultAzureCredential(host === undefined ? {} : { authorityHost: host });
    case 'clientSecret':
      return new identity.ClientSecretCredential(method.tenantId, method.clientId, method.secret, entra);
    case 'oidc': {
      const assertion = method.assertion;
      const getAssertion = async (): Promise<string> => {
        if (assertion.from === 'token') return assertion.token;
        if (assertion.from === 'file') {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          return (require('node:fs') as typeof import('node:fs')).readFileSync(assertion.path, 'utf8').trim();
        }
        return requestOidcToken(assertion.url, assertion.requestToken, assertion.audience, fetch);
      };
      return new identity.ClientAssertionCredential(method.tenantId, method.clientId, getAssertion, entra);
    }
    case 'msi':
      return method.clientId === undefined
        ? new identity.ManagedIdentityCredential()
        : new identity.ManagedIdentityCredential({ clientId: method.clientId });
    case 'cli':
      return new identity.AzureCliCredential(method.tenantId === undefined ? {} : { tenantId: method.tenantId });
    default: {
      const never: never = method;
      throw new Error(`unknown authentication method ${JSON.stringify(never)}`);
    }
  }
}

/**
 * A bearer-token source for one audience, with an error that says which identity failed. A token is reused
 * until two minutes before it expires: a deploy polls for minutes, and each new token would otherwise mean
 * another OIDC token request and another exchange.
 */
export function tokenSource(credential: Credential, method: AuthMethod, scope: string): () => Promise<string> {
  let cached: { token: string; expiresOnTimestamp: number } | undefined;
  return async () => {
    if (cached && cached.expiresOnTimestamp - Date.now() > 120_000) return cached.token;
    let token: { token: string; expiresOnTimestamp: number } | null;
    try {
      token = await credential.getToken(scope);
    } catch (error) {
      throw new Error(
        `no token for ${scope} with the azure-native identity (${describeAuthMethod(method)}): ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
    if (!token) throw new Error(`no token for ${scope} with the azure-native identity (${describeAuthMethod(method)})`);
    cached = token;
    return token.token;
  };
}

/**
 * The provider host's identity: settings from `configure` (stack config) over the process environment, the
 * method, its credential and a token source per scope. Called when a step runs, never at preview.
 */
export function providerIdentity(
  auth: ProviderAuth,
  fetch: typeof globalThis.fetch,
): {
  readonly description: string;
  tokenFor(scope: string): () => Promise<string>;
} {
  const method = authMethod(auth);
  const credential = createCredential(method, auth, fetch);
  return { description: describeAuthMethod(method), tokenFor: (scope) => tokenSource(credential, method, scope) };
}
