/**
 * What every stack must satisfy, run against the whole program under mocks (see harness.ts), plus the
 * per-environment expectations each stack's test file passes in.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { functions } from '../../functions/index';
import { DEAD_LETTER_CONTAINER, topology } from '../../shared/topology';
import { FLEX_REJECTED_SETTINGS, FLEX_REJECTED_SITE_CONFIG } from '../../stack/appSettings';
import { BUILT_IN_ROLES, COSMOS_DATA_CONTRIBUTOR } from '../../stack/roles';
import { FAKE_SECRETS, IDENTITY, type ProgramRun, type Recorded, declaredConfig, runProgram, stackConfig, strings } from './harness';

const T = {
  rg: 'azure-native:resources:ResourceGroup',
  workspace: 'azure-native:operationalinsights:Workspace',
  appInsights: 'azure-native:applicationinsights:Component',
  identity: 'azure-native:managedidentity:UserAssignedIdentity',
  roleAssignment: 'azure-native:authorization:RoleAssignment',
  storage: 'azure-native:storage:StorageAccount',
  container: 'azure-native:storage:BlobContainer',
  cosmos: 'azure-native:cosmosdb:DatabaseAccount',
  cosmosDb: 'azure-native:cosmosdb:SqlResourceSqlDatabase',
  cosmosContainer: 'azure-native:cosmosdb:SqlResourceSqlContainer',
  cosmosRole: 'azure-native:cosmosdb:SqlResourceSqlRoleAssignment',
  topic: 'azure-native:eventgrid:Topic',
  subscription: 'azure-native:eventgrid:TopicEventSubscription',
  redis: 'azure-native:redisenterprise:RedisEnterprise',
  redisDb: 'azure-native:redisenterprise:Database',
  redisPolicy: 'azure-native:redisenterprise:AccessPolicyAssignment',
  vault: 'azure-native:keyvault:Vault',
  secret: 'azure-native:keyvault:Secret',
  plan: 'azure-native:web:AppServicePlan',
  app: 'azure-native:web:WebApp',
  scmAllowed: 'azure-native:web:WebAppScmAllowed',
  ftpAllowed: 'azure-native:web:WebAppFtpAllowed',
  code: 'pulumi-nodejs:dynamic/movie-catalog:FunctionCode',
} as const;

export interface EnvironmentExpectations {
  readonly storageSku: string;
  readonly zoneRedundant: boolean;
  readonly redisSku: string;
  readonly redisHighAvailability: 'Enabled' | 'Disabled';
  readonly redisZones: readonly string[] | undefined;
  readonly alwaysReady: ReadonlyArray<{ name: string; instanceCount: number }> | undefined;
  readonly logRetentionDays: number;
  readonly purgeProtection: boolean | undefined;
  readonly softDeleteRetentionDays: number;
  readonly redisAuth: 'entra' | 'accessKey';
  /** Cosmos DB account capabilities: EnableServerless for serverless, none for autoscale. */
  readonly cosmosCapabilities: ReadonlyArray<{ name: string }>;
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value ?? {}) as Json;

function appSettings(run: ProgramRun): Map<string, string> {
  const site = obj(run.one(T.app).inputs.siteConfig);
  const list = (site.appSettings ?? []) as Array<{ name: string; value: string }>;
  return new Map(list.map((s) => [s.name, s.value]));
}

function roleGuid(r: Recorded): string {
  return String(r.inputs.roleDefinitionId).split('/').pop() ?? '';
}

export function describeStack(env: string, expected: EnvironmentExpectations, overrides: Record<string, string> = {}): void {
  describe(`stack "${env}" (whole program under mocks)`, () => {
    let run: ProgramRun;
    beforeAll(async () => {
      run = await runProgram(env, overrides);
    }, 60_000);

    it('creates each concern once, one subscription per topology entry', () => {
      const counts = new Map<string, number>();
      for (const r of run.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
      const count = (type: string) => counts.get(type) ?? 0;
      for (const type of [T.rg, T.workspace, T.appInsights, T.identity, T.storage, T.cosmos, T.cosmosDb, T.cosmosContainer,
        T.cosmosRole, T.topic, T.redis, T.redisDb, T.vault, T.plan, T.app, T.scmAllowed, T.ftpAllowed, T.code]) {
        expect(count(type), type).toBe(1);
      }
      expect(count(T.subscription)).toBe(topology.subscriptions.length);
      expect(count(T.container)).toBe(2); // deployment + dead letter
      expect(count(T.roleAssignment)).toBe(4);
      expect(count(T.redisPolicy)).toBe(expected.redisAuth === 'entra' ? 1 : 0);
      expect(count(T.secret)).toBe(expected.redisAuth === 'entra' ? 2 : 3);
      // Printed for the change log: the resource list of this stack.
      console.info(`[${env}] ${run.resources.length} resources\n${[...counts].map(([t, n]) => `  ${n} x ${t}`).join('\n')}`);
    });

    it('points every subscription at an Event Grid-triggered function of the registry, after the code deployment', () => {
      const app = run.one(T.app);
      const code = run.one(T.code);
      for (const declared of topology.subscriptions) {
        const sub = run.ofType(T.subscription).find((s) => s.inputs.eventSubscriptionName === declared.name);
        expect(sub, declared.name).toBeDefined();
        const inputs = (sub as Recorded).inputs;
        const registered = functions.find((f) => f.name === declared.functionName);
        expect(registered?.kind, `${declared.functionName} in functions/index.ts`).toBe('eventGrid');
        expect(obj(inputs.destination)).toMatchObject({
          endpointType: 'AzureFunction',
          resourceId: `${app.id}/functions/${declared.functionName}`,
        });
        expect((sub as Recorded).dependencies).toContain(code.urn);
        expect(inputs.eventDeliverySchema).toBe('CloudEventSchemaV1_0');
        expect(obj(inputs.filter).includedEventTypes).toEqual([...declared.includedEventTypes]);
        expect(inputs.retryPolicy).toEqual({ ...declared.retry });
        const deadLetter = obj(inputs.deadLetterWithResourceIdentity);
        expect(obj(deadLetter.deadLetterDestination)).toMatchObject({
          endpointType: 'StorageBlob',
          resourceId: run.one(T.storage).id,
          blobContainerName: declared.deadLetterContainer,
        });
        expect(obj(deadLetter.identity)).toEqual({ type: 'UserAssigned', userAssignedIdentity: run.one(T.identity).id });
        expect(run.ofType(T.container).map((c) => c.inputs.containerName)).toContain(declared.deadLetterContainer);
      }
      expect(code.inputs.requiredFunctions).toEqual([...new Set(topology.subscriptions.map((s) => s.functionName))]);
      expect(code.dependencies).toContain(app.urn);
    });

    it('grants the identity exactly the roles it needs, all before the app exists', () => {
      const grants = run.ofType(T.roleAssignment);
      for (const g of grants) {
        expect(g.inputs.principalId).toBe(IDENTITY.principalId);
        expect(g.inputs.principalType).toBe('ServicePrincipal');
      }
      const scopeKind = (g: Recorded) => String(g.inputs.scope).split('/').slice(-2, -1)[0];
      expect(grants.map((g) => `${roleGuid(g)}@${scopeKind(g)}`).sort()).toEqual([
        `${BUILT_IN_ROLES.storageBlobDataOwner}@StorageAccount`,
        `${BUILT_IN_ROLES.storageTableDataContributor}@StorageAccount`,
        `${BUILT_IN_ROLES.eventGridDataSender}@Topic`,
        `${BUILT_IN_ROLES.keyVaultSecretsUser}@Vault`,
      ].sort());
      const cosmosRole = run.one(T.cosmosRole);
      expect(cosmosRole.inputs.principalId).toBe(IDENTITY.principalId);
      expect(String(cosmosRole.inputs.roleDefinitionId)).toMatch(new RegExp(`/sqlRoleDefinitions/${COSMOS_DATA_CONTRIBUTOR}$`));
      const dataGrants = [...grants, cosmosRole, ...run.ofType(T.redisPolicy)];
      if (expected.redisAuth === 'entra') {
        expect(run.one(T.redisPolicy).inputs).toMatchObject({ accessPolicyName: 'default', user: { objectId: IDENTITY.principalId } });
      }
      const app = run.one(T.app);
      for (const grant of dataGrants) expect(app.dependencies, grant.name).toContain(grant.urn);
    });

    it('keeps Cosmos DB keyless, at its capacity mode and shaped for the event queries', () => {
      const account = run.one(T.cosmos).inputs;
      expect(account).toMatchObject({
        disableLocalAuth: true,
        minimalTlsVersion: 'Tls12',
        capabilities: expected.cosmosCapabilities,
        consistencyPolicy: { defaultConsistencyLevel: 'Session' },
      });
      expect(run.one(T.cosmosDb).inputs.databaseName).toBe('catalog');
      const container = obj(run.one(T.cosmosContainer).inputs.resource);
      expect(container.id).toBe('events');
      expect(obj(container.partitionKey).paths).toEqual(['/movieId']);
      const indexing = obj(container.indexingPolicy);
      expect(strings(indexing.excludedPaths)).toContain('/state/description/?');
      expect(strings(indexing.compositeIndexes)).toEqual(expect.arrayContaining(['/movieId', '/version', '/dispatched', '/metadata/occurredAt']));
    });

    it('uses TLS >= 1.2 and HTTPS only everywhere, and no keys where Entra works', () => {
      expect(run.one(T.storage).inputs).toMatchObject({
        enableHttpsTrafficOnly: true, minimumTlsVersion: 'TLS1_2', allowSharedKeyAccess: false, allowBlobPublicAccess: false,
      });
      const app = run.one(T.app).inputs;
      expect(app.httpsOnly).toBe(true);
      expect(obj(app.siteConfig)).toMatchObject({ minTlsVersion: '1.2', scmMinTlsVersion: '1.2' });
      expect(run.one(T.topic).inputs).toMatchObject({
        minimumTlsVersionAllowed: '1.2', disableLocalAuth: true, inputSchema: 'CloudEventSchemaV1_0',
      });
      expect(run.one(T.redis).inputs.minimumTlsVersion).toBe('1.2');
      expect(run.one(T.redisDb).inputs).toMatchObject({ clientProtocol: 'Encrypted', port: 10000 });
      expect(appSettings(run).get('REDIS_URL')).toMatch(/^rediss:\/\/.+:10000$/);
      expect(run.one(T.scmAllowed).inputs.allow).toBe(false);
      expect(run.one(T.ftpAllowed).inputs.allow).toBe(false);
    });

    it('runs on Flex Consumption, Node 22, without any setting Flex rejects', () => {
      expect(run.one(T.plan).inputs.sku).toMatchObject({ name: 'FC1', tier: 'FlexConsumption' });
      const app = run.one(T.app).inputs;
      expect(app.kind).toBe('functionapp,linux');
      const config = obj(app.functionAppConfig);
      expect(config.runtime).toEqual({ name: 'node', version: '22' });
      expect(obj(obj(config.deployment).storage)).toMatchObject({
        type: 'blobContainer',
        value: expect.stringMatching(/^https:\/\/.+\.blob\.core\.windows\.net\/app-package$/) as unknown,
        authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: expect.any(String) as unknown },
      });
      const settings = appSettings(run);
      for (const rejected of FLEX_REJECTED_SETTINGS) expect(settings.has(rejected), rejected).toBe(false);
      for (const rejected of FLEX_REJECTED_SITE_CONFIG) expect(obj(app.siteConfig), rejected).not.toHaveProperty(rejected);
    });

    it('sets exactly the app settings the app reads, secrets as Key Vault references', () => {
      const settings = appSettings(run);
      const redisNames = expected.redisAuth === 'entra' ? ['REDIS_AUTH', 'REDIS_USERNAME'] : ['REDIS_AUTH', 'REDIS_PASSWORD'];
      expect([...settings.keys()].sort()).toEqual([
        'AzureWebJobsStorage__accountName', 'AzureWebJobsStorage__credential', 'AzureWebJobsStorage__clientId',
        'AZURE_CLIENT_ID', 'COSMOS_ENDPOINT', 'COSMOS_DATABASE', 'COSMOS_CONTAINER', 'EVENTGRID_TOPIC_ENDPOINT',
        'ELASTICSEARCH_URL', 'ELASTICSEARCH_API_KEY', 'REDIS_URL', 'DEAD_LETTER_BLOB_URL',
        'APPLICATIONINSIGHTS_CONNECTION_STRING', 'OTEL_NODE_RESOURCE_DETECTORS', 'QUERY_AUTH_LEVEL', 'CACHE_TTL_SECONDS',
        'RELAY_GRACE_SECONDS', 'RELAY_SCHEDULE', ...redisNames,
      ].sort());
      // Every %SETTING% a timer function of the registry names must be an app setting, or the host cannot index it.
      for (const f of functions) {
        const setting = f.kind === 'timer' ? /^%([A-Za-z0-9_]+)%$/.exec(f.schedule)?.[1] : undefined;
        if (setting) expect(settings.get(setting), `${f.name} schedule`).toMatch(/^\S+( \S+){5}$/);
      }
      expect(settings.get('AzureWebJobsStorage__credential')).toBe('managedidentity');
      expect(settings.get('AzureWebJobsStorage__clientId')).toBe(IDENTITY.clientId);
      expect(settings.get('AZURE_CLIENT_ID')).toBe(IDENTITY.clientId);
      expect(settings.get('COSMOS_DATABASE')).toBe('catalog');
      expect(settings.get('COSMOS_CONTAINER')).toBe('events');
      expect(settings.get('DEAD_LETTER_BLOB_URL')).toMatch(new RegExp(`^https://[a-z0-9]+\\.blob\\.core\\.windows\\.net/${DEAD_LETTER_CONTAINER}$`));
      expect(settings.get('OTEL_NODE_RESOURCE_DETECTORS')).toBe('env,host,os,process');
      expect(settings.get('ELASTICSEARCH_URL')).toBe(run.config['movie-catalog:elasticsearchUrl']);
      const kvRef = /^@Microsoft\.KeyVault\(SecretUri=https:\/\/[^)]+\)$/;
      const secretSettings = ['ELASTICSEARCH_API_KEY', 'APPLICATIONINSIGHTS_CONNECTION_STRING',
        ...(expected.redisAuth === 'accessKey' ? ['REDIS_PASSWORD'] : [])];
      for (const name of secretSettings) expect(settings.get(name), name).toMatch(kvRef);
      const app = run.one(T.app).inputs;
      expect(app.keyVaultReferenceIdentity).toMatch(/UserAssignedIdentity/);
      expect(obj(app.identity)).toEqual({ type: 'UserAssigned', userAssignedIdentities: [app.keyVaultReferenceIdentity] });
    });

    it('never exposes a secret value in app settings or outputs', () => {
      const exposed = [...strings([...appSettings(run).values()]), ...strings(run.outputs)];
      for (const secret of Object.values(FAKE_SECRETS)) {
        for (const value of exposed) expect(value.includes(secret), `${secret} in "${value}"`).toBe(false);
      }
      // The values do reach Key Vault (so the test above looks where they would be).
      const stored = run.ofType(T.secret).map((s) => obj(s.inputs.properties).value);
      expect(stored).toContain(FAKE_SECRETS.elasticsearchApiKey);
      expect(stored).toContain(FAKE_SECRETS.appInsightsConnectionString);
      if (expected.redisAuth === 'accessKey') expect(stored).toContain(FAKE_SECRETS.redisPrimaryKey);
    });

    it('keeps Key Vault in RBAC mode with soft delete', () => {
      const props = obj(run.one(T.vault).inputs.properties);
      expect(props.enableRbacAuthorization).toBe(true);
      expect(props.enableSoftDelete).toBe(true);
      expect(props.accessPolicies).toBeUndefined();
    });

    it('exports the API base URL, topic endpoint, App Insights name and how to get a function key', () => {
      expect(run.outputs.apiBaseUrl).toMatch(/^https:\/\/[^/]+\.azurewebsites\.net\/api$/);
      expect(run.outputs.topicEndpoint).toMatch(/^https:\/\/.+\.eventgrid\.azure\.net\/api\/events$/);
      expect(run.outputs.appInsightsName).toEqual(expect.any(String));
      expect(run.outputs.functionKeyHowTo).toMatch(/^az functionapp keys list --resource-group \S+ --name \S+/);
      expect(run.outputs.packageSha256).toMatch(/^[0-9a-f]{64}$/);
    });

    it(`has the ${env} sizing and resilience`, () => {
      expect(obj(run.one(T.storage).inputs.sku).name).toBe(expected.storageSku);
      expect(run.one(T.cosmos).inputs.locations).toEqual([
        expect.objectContaining({ isZoneRedundant: expected.zoneRedundant, failoverPriority: 0 }),
      ]);
      expect(run.one(T.plan).inputs.zoneRedundant).toBe(expected.zoneRedundant);
      const redis = run.one(T.redis).inputs;
      expect(obj(redis.sku).name).toBe(expected.redisSku);
      expect(redis.highAvailability).toBe(expected.redisHighAvailability);
      expect(redis.zones).toEqual(expected.redisZones);
      const scale = obj(obj(run.one(T.app).inputs.functionAppConfig).scaleAndConcurrency);
      expect(scale.alwaysReady).toEqual(expected.alwaysReady);
      expect(scale.maximumInstanceCount).toEqual(expect.any(Number));
      expect(scale.instanceMemoryMB).toEqual(expect.any(Number));
      expect(run.one(T.workspace).inputs.retentionInDays).toBe(expected.logRetentionDays);
      expect(run.one(T.appInsights).inputs.retentionInDays).toBe(expected.logRetentionDays);
      const vault = obj(run.one(T.vault).inputs.properties);
      expect(vault.enablePurgeProtection).toBe(expected.purgeProtection);
      expect(vault.softDeleteRetentionInDays).toBe(expected.softDeleteRetentionDays);
    });

    it('declares every config key of the stack file in Pulumi.yaml, and keeps secrets out of it', () => {
      const declared = declaredConfig();
      for (const key of Object.keys(stackConfig(env))) {
        expect(declared, key).toHaveProperty(key.replace(/^movie-catalog:/, ''));
      }
      expect(declared.elasticsearchApiKey?.secret).toBe(true);
      expect(Object.keys(stackConfig(env))).not.toContain('movie-catalog:elasticsearchApiKey');
      for (const [key, value] of Object.entries(declared)) {
        expect(value.type, key).toMatch(/^(string|integer|boolean)$/);
      }
    });
  });
}
