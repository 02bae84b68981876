/**
 * What every stack must satisfy, run against the whole program under mocks (see harness.ts): first the table of
 * AZURE'S rules (each with the public source it comes from), checked on the inputs exactly as the SDK sends them
 * (its defaults applied), then this system's own expectations and each stack's sizing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { functions } from '../../functions/all';
import { DEAD_LETTER_CONTAINER, topology } from '../../shared/topology';
import {
  DEAD_LETTER_IDENTITY,
  FAKE_SECRETS,
  IDENTITY,
  type ProgramRun,
  type Recorded,
  declaredConfig,
  runProgram,
  stackConfig,
  strings,
} from './harness';

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
  appSettings: 'azure-native:web:WebAppApplicationSettings',
  scmAllowed: 'azure-native:web:WebAppScmAllowed',
  ftpAllowed: 'azure-native:web:WebAppFtpAllowed',
  code: 'pulumi-nodejs:dynamic/movie-catalog:FunctionCode',
  principalVisible: 'pulumi-nodejs:dynamic/movie-catalog:PrincipalVisible',
} as const;

/** Built-in role GUIDs, written out here (not imported from the program) so a wrong GUID there fails. */
const ROLE = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  cosmosDataContributor: '00000000-0000-0000-0000-000000000002',
} as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ARM_ID = (type: string) =>
  new RegExp(`^/subscriptions/[0-9a-f-]{36}/resourceGroups/[^/]+/providers/${type}/[^/]+$`);

export interface EnvironmentExpectations {
  readonly storageSku: string;
  readonly zoneRedundant: boolean;
  readonly redisSku: string;
  readonly redisHighAvailability: 'Enabled' | 'Disabled';
  readonly alwaysReady: ReadonlyArray<{ name: string; instanceCount: number }> | undefined;
  readonly maximumInstanceCount: number;
  readonly instanceMemoryMB: number;
  readonly relaySchedule: string;
  readonly logRetentionDays: number;
  readonly purgeProtection: boolean | undefined;
  readonly softDeleteRetentionDays: number;
  readonly redisAuth: 'entra' | 'accessKey';
  /** Cosmos DB account capabilities: EnableServerless for serverless, none for autoscale. */
  readonly cosmosCapabilities: ReadonlyArray<{ name: string }>;
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value ?? {}) as Json;

/** The app settings as the `sites/config/appsettings` resource sends them. */
function appSettings(run: ProgramRun): Map<string, string> {
  return new Map(Object.entries(obj(run.one(T.appSettings).inputs.properties)).map(([k, v]) => [k, String(v)]));
}

function roleGuid(r: Recorded): string {
  return String(r.inputs.roleDefinitionId).split('/').pop() ?? '';
}

/** The ARM type of the resource a scope names (`…/providers/Microsoft.X/<type>/<name>` → `<type>`). */
function scopeKind(scope: unknown): string {
  return String(scope).split('/').slice(-2, -1)[0] ?? '';
}

interface AzureRule {
  readonly rule: string;
  /** Where the rule comes from: a doc page, a Microsoft sample, provider code or an issue thread. */
  readonly source: string;
  readonly check: (run: ProgramRun) => void;
}

/**
 * Azure's rules the program relies on. Each is checked on what the program registers, after the azure-native
 * SDK's defaults (the mocks receive exactly what would go over the wire to the provider).
 */
export const AZURE_RULES: readonly AzureRule[] = [
  {
    rule: 'A Flex Consumption site gets no siteConfig defaults: Flex rejects netFrameworkVersion (error 51021), and the SDK adds it (with localMySqlEnabled, http20Enabled) to any siteConfig it is given',
    source:
      'https://github.com/pulumi/pulumi-azure-native/issues/4168; @pulumi/azure-native types/input.js siteConfigArgsProvideDefaults',
    check(run) {
      const site = run.one(T.app).inputs;
      const config = obj(site.siteConfig);
      for (const key of [
        'netFrameworkVersion',
        'localMySqlEnabled',
        'linuxFxVersion',
        'alwaysOn',
        'use32BitWorkerProcess',
        'functionAppScaleLimit',
        'javaVersion',
        'nodeVersion',
        'ftpsState',
      ]) {
        expect(config, `siteConfig.${key}`).not.toHaveProperty(key);
      }
    },
  },
  {
    rule: 'Flex Consumption rejects the app settings of the older plans: the runtime, the package and the scale live in functionAppConfig',
    source:
      'https://learn.microsoft.com/azure/azure-functions/functions-app-settings#flex-consumption-plan-deprecations',
    check(run) {
      const settings = appSettings(run);
      for (const name of [
        'FUNCTIONS_WORKER_RUNTIME',
        'FUNCTIONS_EXTENSION_VERSION',
        'WEBSITE_RUN_FROM_PACKAGE',
        'WEBSITE_NODE_DEFAULT_VERSION',
        'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
        'WEBSITE_CONTENTSHARE',
        'WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT',
        'SCM_DO_BUILD_DURING_DEPLOYMENT',
        'ENABLE_ORYX_BUILD',
      ]) {
        expect(settings.has(name), name).toBe(false);
      }
    },
  },
  {
    rule: 'A Flex app is kind functionapp,linux on an FC1/FlexConsumption plan with reserved: true, and declares runtime, deployment container (with identity auth) and scale in functionAppConfig; instance memory is 512, 2048 or 4096 MB and the maximum instance count 40-1000',
    source:
      'Azure-Samples/azure-functions-flex-consumption-samples IaC/bicep/core/host/function.bicep and main.bicep; https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#instance-memory',
    check(run) {
      expect(run.one(T.plan).inputs).toMatchObject({
        kind: 'functionapp',
        reserved: true,
        sku: { name: 'FC1', tier: 'FlexConsumption' },
      });
      const app = run.one(T.app).inputs;
      expect(app.kind).toBe('functionapp,linux');
      const config = obj(app.functionAppConfig);
      expect(config.runtime).toEqual({ name: 'node', version: '22' });
      expect(obj(obj(config.deployment).storage)).toMatchObject({
        type: 'blobContainer',
        value: expect.stringMatching(
          /^https:\/\/[a-z0-9]{3,24}\.blob\.core\.windows\.net\/[a-z0-9-]{3,63}$/,
        ) as unknown,
        authentication: {
          type: 'UserAssignedIdentity',
          userAssignedIdentityResourceId: expect.stringMatching(
            ARM_ID('Microsoft.ManagedIdentity/userAssignedIdentities'),
          ) as unknown,
        },
      });
      const scale = obj(config.scaleAndConcurrency);
      expect([512, 2048, 4096]).toContain(scale.instanceMemoryMB);
      expect(scale.maximumInstanceCount).toBeGreaterThanOrEqual(40);
      expect(scale.maximumInstanceCount).toBeLessThanOrEqual(1000);
    },
  },
  {
    rule: 'A Cosmos DB SQL role assignment is named by a GUID (the provider auto-names it from the logical name otherwise)',
    source:
      'azure-rest-api-specs cosmos-db rbac.json (roleAssignmentId: "The GUID for the Role Assignment"); pulumi-azure-native auto-naming generates UUIDs only for parameters marked so',
    check(run) {
      const assignment = run.one(T.cosmosRole).inputs;
      expect(assignment.roleAssignmentId).toMatch(GUID);
      expect(assignment.roleDefinitionId).toMatch(
        new RegExp(
          `^/subscriptions/.+/Microsoft\\.DocumentDB/databaseAccounts/[^/]+/sqlRoleDefinitions/${ROLE.cosmosDataContributor}$`,
        ),
      );
      expect(assignment.scope).toMatch(ARM_ID('Microsoft.DocumentDB/databaseAccounts'));
    },
  },
  {
    rule: 'Azure Managed Redis rejects an explicit zones list ("Specifying zones for SKU … is not supported. Zone redundancy is enabled by default"); high availability in a zonal region is zone redundant',
    source:
      'https://github.com/langchain-ai/terraform/pull/107 (tested against Microsoft.Cache/redisEnterprise 2025-07-01)',
    check(run) {
      expect(run.one(T.redis).inputs).not.toHaveProperty('zones');
    },
  },
  {
    rule: 'Role assignments for a just-created identity say principalType ServicePrincipal, or ARM may not find the principal yet',
    source:
      'https://learn.microsoft.com/azure/role-based-access-control/role-assignments-template#new-service-principal',
    check(run) {
      for (const g of run.ofType(T.roleAssignment)) expect(g.inputs.principalType, g.name).toBe('ServicePrincipal');
    },
  },
  {
    rule: 'With local auth off on Application Insights, the writer needs Monitoring Metrics Publisher on the component and the app names its identity in APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    source:
      'Azure-Samples/azure-functions-flex-consumption-samples IaC/bicep/rbac.bicep; https://learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication',
    check(run) {
      const component = run.one(T.appInsights);
      expect(component.inputs.disableLocalAuth).toBe(true);
      const publisher = run.ofType(T.roleAssignment).filter((g) => roleGuid(g) === ROLE.monitoringMetricsPublisher);
      expect(publisher.map((g) => [g.inputs.principalId, g.inputs.scope])).toEqual([
        [IDENTITY.principalId, component.id],
      ]);
      expect(appSettings(run).get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe(
        `Authorization=AAD;ClientId=${IDENTITY.clientId}`,
      );
    },
  },
  {
    rule: 'Dead-lettering with a user-assigned identity needs that identity assigned to the topic and a blob data role on the destination',
    source:
      'https://learn.microsoft.com/azure/event-grid/managed-service-identity#enable-managed-identity-for-dead-lettering',
    check(run) {
      const topicIdentities = Object.keys(obj(obj(run.one(T.topic).inputs.identity).userAssignedIdentities));
      for (const sub of run.ofType(T.subscription)) {
        const identity = obj(obj(sub.inputs.deadLetterWithResourceIdentity).identity);
        expect(topicIdentities, sub.name).toContain(identity.userAssignedIdentity);
      }
    },
  },
  {
    rule: 'An Event Grid subscription to an AzureFunction destination is validated at creation: the function must already be deployed',
    source:
      'https://learn.microsoft.com/azure/event-grid/handler-functions (the function must exist); error "Destination endpoint not found"',
    check(run) {
      const code = run.one(T.code);
      for (const sub of run.ofType(T.subscription)) expect(sub.dependencies, sub.name).toContain(code.urn);
    },
  },
  {
    rule: 'Key Vault references with a user-assigned identity need keyVaultReferenceIdentity set to it, and Key Vault Secrets User for it on an RBAC vault',
    source:
      'https://learn.microsoft.com/azure/app-service/app-service-key-vault-references#access-vaults-with-a-user-assigned-identity',
    check(run) {
      const app = run.one(T.app).inputs;
      expect(app.keyVaultReferenceIdentity).toMatch(ARM_ID('Microsoft.ManagedIdentity/userAssignedIdentities'));
      const vault = run.one(T.vault);
      const readers = run
        .ofType(T.roleAssignment)
        .filter((g) => roleGuid(g) === ROLE.keyVaultSecretsUser && g.inputs.principalId === IDENTITY.principalId);
      expect(readers.map((g) => g.inputs.scope)).toEqual([vault.id]);
    },
  },
  {
    rule: 'Key Vault purge protection cannot be disabled: ARM rejects enablePurgeProtection false (omit it instead)',
    source: 'https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview#purge-protection',
    check(run) {
      expect(obj(run.one(T.vault).inputs.properties).enablePurgeProtection).not.toBe(false);
    },
  },
  {
    rule: 'Storage account names are 3-24 lowercase letters and digits, globally unique',
    source: 'https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftstorage',
    check(run) {
      expect(run.one(T.storage).inputs.accountName).toMatch(/^[a-z0-9]{3,24}$/);
    },
  },
  {
    rule: 'The host storage identity needs Storage Blob Data Owner on the account (AzureWebJobsStorage with a managed identity)',
    source:
      'https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity; Flex sample rbac.bicep',
    check(run) {
      const owners = run.ofType(T.roleAssignment).filter((g) => roleGuid(g) === ROLE.storageBlobDataOwner);
      expect(owners.map((g) => [g.inputs.principalId, g.inputs.scope])).toEqual([
        [IDENTITY.principalId, run.one(T.storage).id],
      ]);
      expect(appSettings(run).get('AzureWebJobsStorage__credential')).toBe('managedidentity');
      expect(appSettings(run).get('AzureWebJobsStorage__clientId')).toBe(IDENTITY.clientId);
    },
  },
  {
    rule: 'Autoscale throughput on a Cosmos DB container starts at a maximum of 1,000 RU/s, in steps of 1,000; a serverless account takes no throughput on its containers',
    source:
      'https://learn.microsoft.com/azure/cosmos-db/provision-throughput-autoscale#how-autoscale-provisioned-throughput-works; https://learn.microsoft.com/azure/cosmos-db/serverless',
    check(run) {
      const serverless = strings(run.one(T.cosmos).inputs.capabilities).includes('EnableServerless');
      const containers = run.ofType(T.cosmosContainer);
      expect(containers.map((c) => c.inputs.containerName).sort()).toEqual(['events', 'jobs']);
      for (const c of containers) {
        const autoscale = obj(obj(c.inputs.options).autoscaleSettings);
        if (serverless) expect(c.inputs.options, String(c.inputs.containerName)).toBeUndefined();
        else {
          expect(Number(autoscale.maxThroughput)).toBeGreaterThanOrEqual(1000);
          expect(Number(autoscale.maxThroughput) % 1000).toBe(0);
        }
      }
    },
  },
  {
    rule: 'A timer trigger whose schedule is an app setting (%NAME%) needs that setting on the app, as an NCRONTAB with seconds',
    source: 'https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions',
    check(run) {
      for (const f of functions) {
        const setting = f.kind === 'timer' ? /^%([A-Za-z0-9_]+)%$/.exec(f.schedule)?.[1] : undefined;
        if (setting) expect(appSettings(run).get(setting), `${f.name} schedule`).toMatch(/^\S+( \S+){5}$/);
      }
    },
  },
];

export function describeStack(
  env: string,
  expected: EnvironmentExpectations,
  overrides: Record<string, string> = {},
): void {
  describe(`stack "${env}" (whole program under mocks)`, () => {
    let run: ProgramRun;
    beforeAll(async () => {
      run = await runProgram(env, overrides);
    }, 60_000);

    describe("Azure's rules", () => {
      it.each(AZURE_RULES.map((r) => [r.rule, r] as const))('%s', (_rule, r) => {
        r.check(run);
      });
    });

    it('creates each concern once, one subscription per topology entry', () => {
      const counts = new Map<string, number>();
      for (const r of run.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
      const count = (type: string) => counts.get(type) ?? 0;
      expect(count(T.cosmosContainer)).toBe(2); // events + jobs
      for (const type of [
        T.rg,
        T.workspace,
        T.appInsights,
        T.storage,
        T.cosmos,
        T.cosmosDb,
        T.cosmosRole,
        T.topic,
        T.redis,
        T.redisDb,
        T.vault,
        T.plan,
        T.app,
        T.appSettings,
        T.scmAllowed,
        T.ftpAllowed,
        T.code,
        T.principalVisible,
      ]) {
        expect(count(type), type).toBe(1);
      }
      expect(count(T.identity)).toBe(2); // the app, Event Grid's dead-lettering
      expect(count(T.subscription)).toBe(topology.subscriptions.length);
      expect(count(T.container)).toBe(2); // deployment + dead letter
      expect(count(T.roleAssignment)).toBe(6);
      expect(count(T.redisPolicy)).toBe(expected.redisAuth === 'entra' ? 1 : 0);
      expect(count(T.secret)).toBe(expected.redisAuth === 'entra' ? 2 : 3);
      // Printed for the change log: the resource list of this stack.
      console.info(
        `[${env}] ${run.resources.length} resources\n${[...counts].map(([t, n]) => `  ${n} x ${t}`).join('\n')}`,
      );
    });

    it('points every subscription at an Event Grid-triggered function of the registry, after the code deployment', () => {
      const app = run.one(T.app);
      const code = run.one(T.code);
      for (const declared of topology.subscriptions) {
        const sub = run.ofType(T.subscription).find((s) => s.inputs.eventSubscriptionName === declared.name);
        expect(sub, declared.name).toBeDefined();
        const inputs = (sub as Recorded).inputs;
        const registered = functions.find((f) => f.name === declared.functionName);
        expect(registered?.kind, `${declared.functionName} in functions/all.ts`).toBe('eventGrid');
        expect(obj(inputs.destination)).toMatchObject({
          endpointType: 'AzureFunction',
          resourceId: `${app.id}/functions/${declared.functionName}`,
        });
        expect((sub as Recorded).dependencies).toContain(code.urn);
        expect(inputs.eventDeliverySchema).toBe('CloudEventSchemaV1_0');
        expect(obj(inputs.filter).includedEventTypes).toEqual([...declared.includedEventTypes]);
        // Written out: a change of the retry policy in the topology must change this test too.
        expect(inputs.retryPolicy).toEqual({ maxDeliveryAttempts: 10, eventTimeToLiveInMinutes: 1440 });
        const deadLetter = obj(inputs.deadLetterWithResourceIdentity);
        expect(obj(deadLetter.deadLetterDestination)).toMatchObject({
          endpointType: 'StorageBlob',
          resourceId: run.one(T.storage).id,
          blobContainerName: declared.deadLetterContainer,
        });
        const deadLetterIdentity = run.ofType(T.identity).find((i) => i.name.startsWith('deadletter'));
        expect(obj(deadLetter.identity)).toEqual({
          type: 'UserAssigned',
          userAssignedIdentity: deadLetterIdentity?.id,
        });
        expect(run.ofType(T.container).map((c) => c.inputs.containerName)).toContain(declared.deadLetterContainer);
      }
      expect(code.inputs.requiredFunctions).toEqual(['projector']);
      expect(run.ofType(T.subscription).map((s) => s.inputs.eventSubscriptionName)).toEqual(['projector']);
      expect(code.dependencies).toContain(app.urn);
    });

    it("grants each identity exactly its roles (the table in README), the app's all before the app exists", () => {
      const grants = run.ofType(T.roleAssignment);
      const held = (principalId: string) =>
        grants
          .filter((g) => g.inputs.principalId === principalId)
          .map((g) => `${roleGuid(g)}@${scopeKind(g.inputs.scope)}`)
          .sort();
      expect(held(IDENTITY.principalId)).toEqual(
        [
          `${ROLE.storageBlobDataOwner}@storageAccounts`,
          `${ROLE.storageTableDataContributor}@storageAccounts`,
          `${ROLE.eventGridDataSender}@topics`,
          `${ROLE.keyVaultSecretsUser}@vaults`,
          `${ROLE.monitoringMetricsPublisher}@components`,
        ].sort(),
      );
      // Dead-lettering writes into its one container, nowhere else in the account.
      expect(held(DEAD_LETTER_IDENTITY.principalId)).toEqual([`${ROLE.storageBlobDataContributor}@containers`]);
      const deadLetterGrant = grants.find((g) => g.inputs.principalId === DEAD_LETTER_IDENTITY.principalId);
      expect(deadLetterGrant?.inputs.scope).toMatch(
        new RegExp(`/blobServices/default/containers/${DEAD_LETTER_CONTAINER}$`),
      );
      expect(grants).toHaveLength(6);
      const cosmosRole = run.one(T.cosmosRole);
      expect(cosmosRole.inputs.principalId).toBe(IDENTITY.principalId);
      const dataGrants = [
        ...grants.filter((g) => g.inputs.principalId === IDENTITY.principalId),
        cosmosRole,
        ...run.ofType(T.redisPolicy),
      ];
      if (expected.redisAuth === 'entra') {
        expect(run.one(T.redisPolicy).inputs).toMatchObject({
          accessPolicyName: 'default',
          user: { objectId: IDENTITY.principalId },
        });
      }
      const app = run.one(T.app);
      for (const grant of dataGrants) expect(app.dependencies, grant.name).toContain(grant.urn);
      // Data-plane assignments look the principal up at once: they wait until Entra shows the new identity.
      const visible = run.one(T.principalVisible);
      expect(visible.inputs.principalId).toBe(IDENTITY.principalId);
      for (const grant of [cosmosRole, ...run.ofType(T.redisPolicy)])
        expect(grant.dependencies, grant.name).toContain(visible.urn);
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
      const container = obj(
        run.ofType(T.cosmosContainer).find((c) => c.inputs.containerName === 'events')?.inputs.resource,
      );
      expect(container.id).toBe('events');
      expect(obj(container.partitionKey).paths).toEqual(['/movieId']);
      const indexing = obj(container.indexingPolicy);
      expect(strings(indexing.excludedPaths)).toContain('/state/description/?');
      expect(strings(indexing.compositeIndexes)).toEqual(
        expect.arrayContaining(['/movieId', '/version', '/dispatched', '/metadata/occurredAt']),
      );
      // The keyset scan of movies (rebuild, verify): WHERE version = 1 AND movieId > @after ORDER BY movieId.
      expect(obj(indexing).compositeIndexes).toContainEqual([
        { path: '/version', order: 'ascending' },
        { path: '/movieId', order: 'ascending' },
      ]);
      const jobs = obj(run.ofType(T.cosmosContainer).find((c) => c.inputs.containerName === 'jobs')?.inputs.resource);
      expect(jobs).toMatchObject({ id: 'jobs', partitionKey: { paths: ['/id'] } });
    });

    it('uses TLS >= 1.2 and HTTPS only everywhere, and no keys where Entra works', () => {
      expect(run.one(T.storage).inputs).toMatchObject({
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: 'TLS1_2',
        allowSharedKeyAccess: false,
        allowBlobPublicAccess: false,
      });
      const app = run.one(T.app).inputs;
      expect(app.httpsOnly).toBe(true);
      // No siteConfig at all (see the rules): App Service enforces a minimum of TLS 1.2 by default.
      expect(app.siteConfig).toBeUndefined();
      expect(run.one(T.topic).inputs).toMatchObject({
        minimumTlsVersionAllowed: '1.2',
        disableLocalAuth: true,
        inputSchema: 'CloudEventSchemaV1_0',
      });
      expect(run.one(T.redis).inputs.minimumTlsVersion).toBe('1.2');
      expect(run.one(T.redisDb).inputs).toMatchObject({ clientProtocol: 'Encrypted', port: 10000 });
      expect(appSettings(run).get('REDIS_URL')).toMatch(/^rediss:\/\/.+:10000$/);
      expect(run.one(T.scmAllowed).inputs.allow).toBe(false);
      expect(run.one(T.ftpAllowed).inputs.allow).toBe(false);
    });

    it('sets exactly the app settings the app reads, secrets as Key Vault references', () => {
      const settings = appSettings(run);
      const redisNames =
        expected.redisAuth === 'entra' ? ['REDIS_AUTH', 'REDIS_USERNAME'] : ['REDIS_AUTH', 'REDIS_PASSWORD'];
      expect([...settings.keys()].sort()).toEqual(
        [
          'AzureWebJobsStorage__accountName',
          'AzureWebJobsStorage__credential',
          'AzureWebJobsStorage__clientId',
          'AZURE_CLIENT_ID',
          'COSMOS_ENDPOINT',
          'COSMOS_DATABASE',
          'COSMOS_CONTAINER',
          'COSMOS_JOBS_CONTAINER',
          'EVENTGRID_TOPIC_ENDPOINT',
          'ELASTICSEARCH_URL',
          'ELASTICSEARCH_API_KEY',
          'REDIS_URL',
          'DEAD_LETTER_BLOB_URL',
          'APPLICATIONINSIGHTS_CONNECTION_STRING',
          'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
          'OTEL_NODE_RESOURCE_DETECTORS',
          'QUERY_AUTH_LEVEL',
          'CACHE_TTL_SECONDS',
          'RELAY_GRACE_SECONDS',
          'RELAY_SCHEDULE',
          'JOBS_SCHEDULE',
          ...redisNames,
        ].sort(),
      );
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
      expect(settings.get('COSMOS_JOBS_CONTAINER')).toBe('jobs');
      expect(settings.get('JOBS_SCHEDULE')).toBe('*/15 * * * * *');
      expect(settings.get('DEAD_LETTER_BLOB_URL')).toMatch(
        new RegExp(`^https://[a-z0-9]+\\.blob\\.core\\.windows\\.net/${DEAD_LETTER_CONTAINER}$`),
      );
      expect(settings.get('OTEL_NODE_RESOURCE_DETECTORS')).toBe('env,host,os,process');
      expect(settings.get('RELAY_SCHEDULE')).toBe(expected.relaySchedule);
      expect(settings.get('CACHE_TTL_SECONDS')).toBe('60');
      expect(settings.get('RELAY_GRACE_SECONDS')).toBe('30');
      expect(settings.get('ELASTICSEARCH_URL')).toBe(run.config['movie-catalog:elasticsearchUrl']);
      const kvRef = /^@Microsoft\.KeyVault\(SecretUri=https:\/\/[^)]+\)$/;
      const secretSettings = [
        'ELASTICSEARCH_API_KEY',
        'APPLICATIONINSIGHTS_CONNECTION_STRING',
        ...(expected.redisAuth === 'accessKey' ? ['REDIS_PASSWORD'] : []),
      ];
      for (const name of secretSettings) expect(settings.get(name), name).toMatch(kvRef);
      const app = run.one(T.app).inputs;
      const appIdentity = run.ofType(T.identity).find((i) => i.name.startsWith('app'));
      expect(app.keyVaultReferenceIdentity).toBe(appIdentity?.id);
      expect(obj(app.identity)).toEqual({
        type: 'UserAssigned',
        userAssignedIdentities: [app.keyVaultReferenceIdentity],
      });
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
      const scale = obj(obj(run.one(T.app).inputs.functionAppConfig).scaleAndConcurrency);
      expect(scale.alwaysReady).toEqual(expected.alwaysReady);
      expect(scale.maximumInstanceCount).toBe(expected.maximumInstanceCount);
      expect(scale.instanceMemoryMB).toBe(expected.instanceMemoryMB);
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
