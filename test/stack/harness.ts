/**
 * Runs the WHOLE Pulumi program (stack/index.ts) under `pulumi.runtime.setMocks`, with the config of a real
 * stack file (Pulumi.<env>.yaml over the defaults declared in Pulumi.yaml, as the CLI does) plus fake secrets.
 * Records every registered resource (type, logical name, inputs, dependencies) once all have their URN.
 *
 * Config is process-global (PULUMI_CONFIG), so each stack runs in its own test file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { parse } from 'yaml';

export const PROJECT = 'movie-catalog';
export const ROOT = path.resolve(__dirname, '..', '..');

/** Fake secret values: none of them may appear in a plain app setting or a stack output. */
export const FAKE_SECRETS = {
  elasticsearchApiKey: 'FAKE-ELASTIC-API-KEY-5f0c',
  appInsightsConnectionString: 'InstrumentationKey=FAKE-APPI-KEY-77aa;IngestionEndpoint=https://ingest.example',
  redisPrimaryKey: 'FAKE-REDIS-PRIMARY-KEY-9d1e',
} as const;

export const FAKE_CLIENT = {
  clientId: '11111111-1111-1111-1111-111111111111',
  objectId: '22222222-2222-2222-2222-222222222222',
  subscriptionId: '33333333-3333-3333-3333-333333333333',
  tenantId: '44444444-4444-4444-4444-444444444444',
} as const;
export const IDENTITY = {
  clientId: 'aaaaaaaa-0000-0000-0000-00000000c11d',
  principalId: 'bbbbbbbb-0000-0000-0000-0000000000b1',
};
/** Event Grid's dead-lettering identity. */
export const DEAD_LETTER_IDENTITY = {
  clientId: 'cccccccc-0000-0000-0000-00000000c11d',
  principalId: 'dddddddd-0000-0000-0000-0000000000b1',
};

export interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly id: string;
  readonly inputs: Record<string, unknown>;
  readonly state: Record<string, unknown>;
  readonly dependencies: readonly string[];
}

export interface ProgramRun {
  readonly resources: readonly Recorded[];
  readonly outputs: Record<string, unknown>;
  readonly config: Record<string, string>;
  readonly packageSha256: string;
  ofType(type: string): Recorded[];
  one(type: string): Recorded;
  byUrn(urn: string): Recorded | undefined;
}

interface DeclaredKey {
  type?: string;
  default?: unknown;
  secret?: boolean;
}

export function declaredConfig(): Record<string, DeclaredKey> {
  const project = parse(fs.readFileSync(path.join(ROOT, 'Pulumi.yaml'), 'utf8')) as {
    config: Record<string, DeclaredKey>;
  };
  return project.config;
}

export function stackConfig(env: string): Record<string, unknown> {
  const file = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${env}.yaml`), 'utf8')) as {
    config: Record<string, unknown>;
  };
  return file.config;
}

/** Project defaults, then the stack file, then overrides: what `pulumi up` would hand the program. */
export function effectiveConfig(env: string, overrides: Record<string, string>): Record<string, string> {
  const config: Record<string, string> = {};
  for (const [key, declared] of Object.entries(declaredConfig())) {
    if (declared.default !== undefined)
      config[`${PROJECT}:${key}`] =
        typeof declared.default === 'string' ? declared.default : JSON.stringify(declared.default);
  }
  for (const [key, value] of Object.entries(stackConfig(env))) config[key] = String(value);
  return { ...config, ...overrides };
}

const SECRET_SIG = '4dabf18193072939515e22adb298388d';

/** Mocks receive secret inputs wrapped in Pulumi's secret envelope; the assertions want the plain values. */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (SECRET_SIG in record) return unwrapSecrets(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

function nameOf(type: string, logical: string, inputs: Record<string, unknown>): string {
  const key = (
    {
      'azure-native:storage:StorageAccount': 'accountName',
      'azure-native:storage:BlobContainer': 'containerName',
      'azure-native:cosmosdb:SqlResourceSqlDatabase': 'databaseName',
      'azure-native:cosmosdb:SqlResourceSqlContainer': 'containerName',
      'azure-native:redisenterprise:Database': 'databaseName',
      'azure-native:keyvault:Secret': 'secretName',
      'azure-native:eventgrid:TopicEventSubscription': 'eventSubscriptionName',
    } as Record<string, string>
  )[type];
  const value = key ? inputs[key] : undefined;
  return typeof value === 'string' ? value : `${logical}-x1y2z3`;
}

/**
 * ARM resource type paths, as real resource ids spell them (provider namespace and type casing included), so
 * that an assertion on an id cannot pass on a shape only the mock produces.
 */
const ARM_TYPES: Record<string, string> = {
  'azure-native:managedidentity:UserAssignedIdentity': 'Microsoft.ManagedIdentity/userAssignedIdentities',
  'azure-native:storage:StorageAccount': 'Microsoft.Storage/storageAccounts',
  'azure-native:cosmosdb:DatabaseAccount': 'Microsoft.DocumentDB/databaseAccounts',
  'azure-native:eventgrid:Topic': 'Microsoft.EventGrid/topics',
  'azure-native:web:WebApp': 'Microsoft.Web/sites',
  'azure-native:web:AppServicePlan': 'Microsoft.Web/serverfarms',
  'azure-native:keyvault:Vault': 'Microsoft.KeyVault/vaults',
  'azure-native:applicationinsights:Component': 'Microsoft.Insights/components',
  'azure-native:operationalinsights:Workspace': 'Microsoft.OperationalInsights/workspaces',
  'azure-native:redisenterprise:RedisEnterprise': 'Microsoft.Cache/redisEnterprise',
  'azure-native:authorization:RoleAssignment': 'Microsoft.Authorization/roleAssignments',
};

function armId(type: string, name: string, inputs: Record<string, unknown>): string {
  const subscription = `/subscriptions/${FAKE_CLIENT.subscriptionId}`;
  if (type === 'azure-native:resources:ResourceGroup') return `${subscription}/resourceGroups/${name}`;
  const group = `${subscription}/resourceGroups/${typeof inputs.resourceGroupName === 'string' ? inputs.resourceGroupName : 'rg-fake'}`;
  switch (type) {
    case 'azure-native:storage:BlobContainer':
      return `${group}/providers/Microsoft.Storage/storageAccounts/${String(inputs.accountName)}/blobServices/default/containers/${name}`;
    case 'azure-native:authorization:RoleAssignment':
      return `${String(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${name}`;
    default: {
      const path = ARM_TYPES[type] ?? `Microsoft.${type.split(':')[1] ?? 'unknown'}/${type.split(':')[2] ?? 'unknown'}`;
      return `${group}/providers/${path}/${name}`;
    }
  }
}

/** Each identity its own ids: the app's and dead-lettering's are named; any other gets ids from its name. */
function fakeIdentity(logical: string): { clientId: string; principalId: string } {
  if (logical === 'app-id') return IDENTITY;
  if (logical === 'deadletter-id') return DEAD_LETTER_IDENTITY;
  const hex = Buffer.from(logical).toString('hex').padEnd(12, '0').slice(0, 12);
  return { clientId: `eeeeeeee-0000-0000-0000-${hex}`, principalId: `ffffffff-0000-0000-0000-${hex}` };
}

function fakeState(
  type: string,
  logical: string,
  inputs: Record<string, unknown>,
): { id: string; state: Record<string, unknown> } {
  const name = nameOf(type, logical, inputs);
  const id = armId(type, name, inputs);
  const state: Record<string, unknown> = { ...inputs, name };
  switch (type) {
    case 'azure-native:managedidentity:UserAssignedIdentity':
      Object.assign(state, fakeIdentity(logical));
      break;
    case 'azure-native:storage:StorageAccount':
      state.primaryEndpoints = { blob: `https://${name}.blob.core.windows.net/` };
      break;
    case 'azure-native:cosmosdb:DatabaseAccount':
      state.documentEndpoint = `https://${name}.documents.azure.com:443/`;
      break;
    case 'azure-native:eventgrid:Topic':
      state.endpoint = `https://${name}.swedencentral-1.eventgrid.azure.net/api/events`;
      break;
    case 'azure-native:applicationinsights:Component':
      state.connectionString = FAKE_SECRETS.appInsightsConnectionString;
      break;
    case 'azure-native:redisenterprise:RedisEnterprise':
      state.hostName = `${name}.swedencentral.redis.azure.net`;
      break;
    case 'azure-native:web:WebApp':
      state.defaultHostName = `${name}-h4sh.swedencentral-01.azurewebsites.net`;
      state.hostNameSslStates = [
        { name: `${name}-h4sh.swedencentral-01.azurewebsites.net`, hostType: 'Standard' },
        { name: `${name}-h4sh.scm.swedencentral-01.azurewebsites.net`, hostType: 'Repository' },
      ];
      break;
    // issue 13: generated passwords and the Container Apps environment's domain.
    case 'random:index/randomPassword:RandomPassword':
      state.result = `FAKE-RANDOM-${logical}`;
      break;
    case 'azure-native:app:ManagedEnvironment':
      state.defaultDomain = 'fake-env-1a2b.swedencentral.azurecontainerapps.io';
      break;
    case 'azure-native:keyvault:Secret': {
      const properties = (inputs.properties ?? {}) as Record<string, unknown>;
      state.properties = { ...properties, secretUri: `https://kv-fake.vault.azure.net/secrets/${name}` };
      break;
    }
    default:
      break;
  }
  return { id, state };
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getDependenciesList(): string[];
}
type Callback = (err: unknown, response: { getUrn(): string } | undefined) => void;
interface PatchableMonitor {
  registerResource(req: RegisterRequest, callback: Callback): void;
}

/** Writes a fake package zip and returns its path (the program hashes it; nothing uploads it here). */
export function fakePackage(content = 'fake functions package'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'movie-catalog-stack-'));
  const file = path.join(dir, 'functionapp.zip');
  fs.writeFileSync(file, content);
  return file;
}

export async function runProgram(env: string, overrides: Record<string, string> = {}): Promise<ProgramRun> {
  const packagePath = fakePackage(`package for ${env}`);
  const config = effectiveConfig(env, {
    [`${PROJECT}:packagePath`]: packagePath,
    [`${PROJECT}:elasticsearchApiKey`]: FAKE_SECRETS.elasticsearchApiKey,
    ...overrides,
  });
  pulumi.runtime.setAllConfig(config, [`${PROJECT}:elasticsearchApiKey`]);

  const recorded = new Map<string, Omit<Recorded, 'urn' | 'dependencies'>>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const inputs = unwrapSecrets(args.inputs) as Record<string, unknown>;
        const { id, state } = fakeState(args.type, args.name, inputs);
        recorded.set(`${args.type}::${args.name}`, { type: args.type, name: args.name, id, inputs, state });
        return { id, state };
      },
      call(args) {
        if (args.token === 'azure-native:authorization:getClientConfig') return { ...FAKE_CLIENT };
        if (args.token === 'azure-native:redisenterprise:listDatabaseKeys') {
          return { primaryKey: FAKE_SECRETS.redisPrimaryKey, secondaryKey: `${FAKE_SECRETS.redisPrimaryKey}-2` };
        }
        throw new Error(`unexpected invoke ${args.token}`);
      },
    },
    PROJECT,
    env,
    false,
  );

  // Every registration is counted until its URN comes back; dependencies are read off the request.
  const monitor = pulumi.runtime.getMonitor() as unknown as PatchableMonitor;
  const register = monitor.registerResource.bind(monitor);
  const urns = new Map<string, { urn: string; dependencies: string[] }>();
  let pending = 0;
  monitor.registerResource = (req, callback) => {
    pending += 1;
    const key = `${req.getType()}::${req.getName()}`;
    const dependencies = req.getDependenciesList();
    register(req, (err, response) => {
      if (response) urns.set(key, { urn: response.getUrn(), dependencies });
      pending -= 1;
      callback(err, response);
    });
  };

  const program = (await import('../../stack/index.js')) as Record<string, unknown>;
  let quietTurns = 0;
  let lastCount = -1;
  while (quietTurns < 10) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    quietTurns = pending === 0 && urns.size === lastCount ? quietTurns + 1 : 0;
    lastCount = urns.size;
  }

  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program)) {
    if (pulumi.Output.isInstance(value)) {
      outputs[key] = await new Promise((resolve) => value.apply(resolve));
    }
  }

  const resources: Recorded[] = [];
  for (const [key, r] of recorded) {
    const registered = urns.get(key);
    if (!registered) throw new Error(`${key} was never given a URN`);
    resources.push({ ...r, ...registered });
  }
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const packageSha256 = String(outputs.packageSha256);
  return {
    resources,
    outputs,
    config,
    packageSha256,
    ofType,
    one(type) {
      const found = ofType(type);
      if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
      return found[0] as Recorded;
    },
    byUrn: (urn) => resources.find((r) => r.urn === urn),
  };
}

/** Every string anywhere inside a value. */
export function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}
