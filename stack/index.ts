/**
 * One `pulumi up` = one whole environment: monitoring, identity and its grants, host storage, Cosmos DB,
 * Event Grid, Redis, Key Vault, the Flex Consumption app, its code, and the Event Grid subscriptions.
 * Each concern is a ComponentResource in its own file; this file only wires them.
 */
import { createHash } from 'node:crypto';
import * as pulumi from '@pulumi/pulumi';
import * as authorization from '@pulumi/azure-native/authorization';
import * as resources from '@pulumi/azure-native/resources';
import { DEAD_LETTER_CONTAINER, topology } from '../shared/topology';
import { buildAppSettings } from './app-settings';
import { Cache } from './cache';
import { readStackConfig } from './config';
import { COSMOS_CONTAINER, COSMOS_DATABASE, COSMOS_JOBS_CONTAINER, EventStore } from './data';
import { CodeDeployment } from './deploy';
import { FunctionApp } from './function-app';
import { AccessGrants, AppIdentity, DeadLetterGrant } from './identity';
import { Messaging } from './messaging';
import { Monitoring } from './monitoring';
import { PipelineIdentity } from './pipeline';
import { PrincipalVisible } from './principal-wait';
import { ReadStoreContainer } from './read-store';
import { Secrets } from './secrets';
import { HostStorage } from './storage';
import { Subscriptions } from './subscriptions';

const cfg = readStackConfig();
const stack = pulumi.getStack();
const client = authorization.getClientConfigOutput();
const common = { location: cfg.location, tags: cfg.tags };

const group = new resources.ResourceGroup(`movie-catalog-${stack}`, { location: cfg.location, tags: { ...cfg.tags } });
const resourceGroupName = group.name;
const inGroup = { ...common, resourceGroupName };

const monitoring = new Monitoring('monitoring', { ...inGroup, retentionInDays: cfg.logRetentionDays });
const identity = new AppIdentity('app', inGroup);
// Data-plane assignments (Cosmos, Redis) fail while Entra has not replicated a new identity: wait, bounded.
const principalVisible = new PrincipalVisible('app-principal', { principalId: identity.principalId });
// Event Grid writes dead letters as its own identity, allowed into the dead-letter container only.
const deadLetterIdentity = new AppIdentity('deadletter', inGroup);

// Storage account names are global and hyphen-free: derive a stable suffix from subscription, project and stack.
const storageAccountName = client.subscriptionId.apply((subscription) => {
  const suffix = createHash('sha256')
    .update(`${subscription}/${pulumi.getProject()}/${stack}`)
    .digest('hex')
    .slice(0, 8);
  return `stmc${stack
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 8)}${suffix}`;
});
const storage = new HostStorage('host', {
  ...inGroup,
  accountName: storageAccountName,
  zoneRedundant: cfg.zoneRedundant,
  deadLetterContainer: DEAD_LETTER_CONTAINER,
  otherDeadLetterContainers: topology.subscriptions.map((s) => s.deadLetterContainer),
});

const events = new EventStore('events', {
  ...inGroup,
  zoneRedundant: cfg.zoneRedundant,
  capacity: cfg.cosmosCapacity,
  allowReplacement: cfg.cosmosAllowReplacement,
});
const messaging = new Messaging('messaging', { ...inGroup, topology, identityId: deadLetterIdentity.id });
const deadLetterGrant = new DeadLetterGrant('deadletter-access', {
  principalId: deadLetterIdentity.principalId,
  subscriptionId: client.subscriptionId,
  containerId: storage.deadLetterContainer.id,
});
const cache = new Cache('cache', {
  ...inGroup,
  sku: cfg.redisSku,
  highAvailability: cfg.redisHighAvailability,
  auth: cfg.redisAuth,
});
const secrets = new Secrets('secrets', {
  ...inGroup,
  tenantId: client.tenantId,
  purgeProtection: cfg.keyVaultPurgeProtection,
  softDeleteRetentionInDays: cfg.keyVaultSoftDeleteRetentionDays,
  ...(cfg.readStore.mode === 'external' ? { elasticsearchApiKey: cfg.readStore.apiKey } : {}),
  appInsightsConnectionString: monitoring.appInsights.connectionString,
  ...(cache.primaryKey ? { redisPrimaryKey: cache.primaryKey } : {}),
});

// The read store: Elasticsearch in Container Apps (declared here), or an external cluster from config.
const elasticsearch =
  cfg.readStore.mode === 'container'
    ? (() => {
        const container = new ReadStoreContainer('read-store', {
          ...inGroup,
          subscriptionId: client.subscriptionId,
          vaultName: secrets.vault.name,
          vaultId: secrets.vault.id,
          cpu: cfg.readStore.cpu,
          heapMB: cfg.readStore.heapMB,
        });
        return {
          url: container.url,
          auth: { kind: 'basic' as const, username: container.username, passwordRef: container.passwordRef },
        };
      })()
    : {
        url: pulumi.output(cfg.readStore.url),
        auth: { kind: 'apiKey' as const, apiKeyRef: secrets.elasticsearchApiKeyRef as pulumi.Output<string> },
      };

const grants = new AccessGrants('app-access', {
  principalId: identity.principalId,
  subscriptionId: client.subscriptionId,
  resourceGroupName,
  hostStorageAccountId: storage.account.id,
  topicId: messaging.topic.id,
  keyVaultId: secrets.vault.id,
  appInsightsId: monitoring.appInsights.id,
  principalVisible,
  cosmos: { accountName: events.account.name, accountId: events.account.id },
  ...(cfg.redisAuth === 'entra'
    ? { redis: { clusterName: cache.cluster.name, databaseName: cache.database.name } }
    : {}),
});

const appSettings = buildAppSettings({
  hostStorageAccountName: storage.account.name,
  identityClientId: identity.clientId,
  cosmosEndpoint: events.endpoint,
  cosmosDatabase: COSMOS_DATABASE,
  cosmosContainer: COSMOS_CONTAINER,
  cosmosJobsContainer: COSMOS_JOBS_CONTAINER,
  topicEndpoint: messaging.endpoint,
  elasticsearchUrl: elasticsearch.url,
  elasticsearchAuth: elasticsearch.auth,
  appInsightsConnectionStringRef: secrets.appInsightsConnectionStringRef,
  redisUrl: cache.url,
  redis: secrets.redisPasswordRef
    ? { auth: 'accessKey', passwordRef: secrets.redisPasswordRef }
    : { auth: 'entra', username: identity.principalId },
  deadLetterBlobUrl: storage.deadLetterContainerUrl,
  queryAuthLevel: cfg.queryAuthLevel,
  cacheTtlSeconds: cfg.cacheTtlSeconds,
  relayGraceSeconds: cfg.relayGraceSeconds,
  relaySchedule: cfg.relaySchedule,
});

const api = new FunctionApp('api', {
  ...inGroup,
  identityId: identity.id,
  deploymentContainerUrl: storage.deploymentContainerUrl,
  appSettings,
  maximumInstanceCount: cfg.maximumInstanceCount,
  instanceMemoryMB: cfg.instanceMemoryMB,
  alwaysReadyHttpInstances: cfg.alwaysReadyHttpInstances,
  zoneRedundant: cfg.zoneRedundant,
  grants: grants.resources,
});

const code = new CodeDeployment(
  'code',
  {
    appResourceId: api.app.id,
    scmHostName: api.scmHostName,
    packagePath: cfg.packagePath,
    requiredFunctions: topology.subscriptions.map((s) => s.functionName),
  },
  { dependsOn: [api.settings] },
);

new Subscriptions('subscriptions', {
  resourceGroupName,
  topicName: messaging.topic.name,
  appId: api.app.id,
  subscriptions: topology.subscriptions,
  deadLetterStorageAccountId: storage.account.id,
  identityId: deadLetterIdentity.id,
  deadLetterGrant: deadLetterGrant.assignment,
  codeDeployment: code.code,
});

// The deploying identity of the GitHub workflows, when a repository is named (README: "The pipeline").
const pipeline = cfg.pipeline
  ? new PipelineIdentity('pipeline', {
      ...inGroup,
      resourceGroupId: group.id,
      subscriptionId: client.subscriptionId,
      repository: cfg.pipeline.repository,
      environment: cfg.pipeline.environment,
    })
  : undefined;

export const resourceGroup = resourceGroupName;
export const functionAppName = api.app.name;
export const apiBaseUrl = pulumi.interpolate`https://${api.defaultHostName}/api`;
export const topicEndpoint = messaging.endpoint;
export const appInsightsName = monitoring.appInsights.name;
export const packageSha256 = code.code.packageSha256;
export const functionKeyHowTo = pulumi.interpolate`az functionapp keys list --resource-group ${resourceGroupName} \
--name ${api.app.name} --query functionKeys.default --output tsv`;
export const readStoreMode = pulumi.output(cfg.readStore.mode);
export const elasticsearchUrl = pulumi.output(elasticsearch.url);
export const cosmosCapacity = pulumi.output(cfg.cosmosCapacity.mode);
/** GitHub environment secrets of this stack's environment (README: "The pipeline"). */
export const pipelineClientId = pipeline?.clientId;
export const pipelineTenantId = pipeline ? client.tenantId : undefined;
export const pipelineSubscriptionId = pipeline ? client.subscriptionId : undefined;
export const pipelineOidcSubject = pipeline ? pulumi.output(pipeline.subject) : undefined;
