/**
 * readStore=container: the read side declared by the program. Elasticsearch 8.19 as ONE single-node
 * container in an Azure Container Apps environment (consumption), security on, plain HTTP inside and HTTPS
 * at the Container Apps ingress. The app signs in as a least-privilege file-realm user whose password
 * (random provider) lives in Key Vault: Container Apps reads it from there as a secret (through the
 * container's own identity, allowed to read just its two secrets), the Functions app through a Key Vault
 * reference. Storage is the replica's own disk (EmptyDir): a restart may come back empty, and the read
 * model is rebuilt from the write store.
 */
import * as pulumi from '@pulumi/pulumi';
import * as app from '@pulumi/azure-native/app';
import * as authorization from '@pulumi/azure-native/authorization';
import * as keyvault from '@pulumi/azure-native/keyvault';
import * as managedidentity from '@pulumi/azure-native/managedidentity';
import * as random from '@pulumi/random';
import {
  APP_ROLE,
  APP_USERNAME,
  CATALOG_ALIAS,
  ELASTICSEARCH_HOME,
  ELASTICSEARCH_IMAGE,
  ELASTICSEARCH_PORT,
  appRoleYaml,
  startScript,
} from './elasticsearch-node';
import { keyVaultReference } from './secrets';
import { BUILT_IN_ROLES, roleDefinitionId } from './roles';

export interface ReadStoreContainerArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
  readonly vaultName: pulumi.Input<string>;
  readonly vaultId: pulumi.Input<string>;
  /** vCPUs of the container (consumption: 0.5 to 4 in steps of 0.25); memory is 2 GiB per vCPU. */
  readonly cpu: number;
  /** JVM heap in MB (at most half the container's memory: Lucene wants the rest as file cache). */
  readonly heapMB: number;
  readonly tags: Readonly<Record<string, string>>;
}

/** Secret names in Key Vault and in the container app. */
export const READ_STORE_SECRETS = {
  appPassword: 'elasticsearch-app-password',
  elasticPassword: 'elasticsearch-elastic-password',
} as const;

export class ReadStoreContainer extends pulumi.ComponentResource {
  /** https://<app>.<environment domain>: the Container Apps ingress in front of Elasticsearch. */
  readonly url: pulumi.Output<string>;
  readonly username = APP_USERNAME;
  /** `@Microsoft.KeyVault(SecretUri=…)` of the app user's password. */
  readonly passwordRef: pulumi.Output<string>;
  readonly containerApp: app.ContainerApp;

  constructor(name: string, args: ReadStoreContainerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('movie-catalog:stack:ReadStoreContainer', name, {}, opts);
    const parent = { parent: this };
    const common = { resourceGroupName: args.resourceGroupName, location: args.location, tags: { ...args.tags } };

    // Letters and digits only: nothing to escape in a shell, a URL or a basic-auth header.
    const password = (key: string) =>
      new random.RandomPassword(
        `${name}-${key}`,
        { length: 32, special: false, minLower: 4, minUpper: 4, minNumeric: 4 },
        parent,
      );
    const stored = (secretName: string, value: pulumi.Input<string>) =>
      new keyvault.Secret(
        `${name}-${secretName}`,
        {
          resourceGroupName: args.resourceGroupName,
          vaultName: args.vaultName,
          secretName,
          properties: { value: pulumi.secret(value) },
        },
        parent,
      );
    const appPassword = stored(READ_STORE_SECRETS.appPassword, password('app-password').result);
    const elasticPassword = stored(READ_STORE_SECRETS.elasticPassword, password('elastic-password').result);
    this.passwordRef = keyVaultReference(appPassword.properties.secretUri);

    // The container's own identity may read its two secrets and nothing else (secret-scoped assignments).
    const identity = new managedidentity.UserAssignedIdentity(`${name}-identity`, common, parent);
    const reads = [appPassword, elasticPassword].map(
      (secret, i) =>
        new authorization.RoleAssignment(
          `${name}-reads-secret-${i}`,
          {
            principalId: identity.principalId,
            principalType: authorization.PrincipalType.ServicePrincipal,
            roleDefinitionId: pulumi
              .output(args.subscriptionId)
              .apply((s) => roleDefinitionId(s, BUILT_IN_ROLES.keyVaultSecretsUser)),
            scope: pulumi.interpolate`${args.vaultId}/secrets/${secret.name}`,
          },
          parent,
        ),
    );

    const environment = new app.ManagedEnvironment(
      `${name}-env`,
      {
        ...common,
        // Consumption only (no workload profiles); no log destination: the node's logs are in its console stream.
        zoneRedundant: false,
      },
      parent,
    );

    const heap = `-Xms${args.heapMB}m -Xmx${args.heapMB}m`;
    this.containerApp = new app.ContainerApp(
      `${name}-app`,
      {
        ...common,
        managedEnvironmentId: environment.id,
        identity: { type: app.ManagedServiceIdentityType.UserAssigned, userAssignedIdentities: [identity.id] },
        configuration: {
          activeRevisionsMode: app.ActiveRevisionsMode.Single,
          ingress: {
            external: true,
            targetPort: ELASTICSEARCH_PORT,
            transport: app.IngressTransportMethod.Http,
            allowInsecure: false,
            traffic: [{ latestRevision: true, weight: 100 }],
          },
          secrets: [
            { name: 'app-password', keyVaultUrl: appPassword.properties.secretUri, identity: identity.id },
            { name: 'elastic-password', keyVaultUrl: elasticPassword.properties.secretUri, identity: identity.id },
          ],
        },
        template: {
          containers: [
            {
              name: 'elasticsearch',
              image: ELASTICSEARCH_IMAGE,
              command: ['/bin/bash', '-c', startScript()],
              env: [
                { name: 'ES_APP_USERNAME', value: APP_USERNAME },
                { name: 'ES_APP_PASSWORD', secretRef: 'app-password' },
                { name: 'ES_APP_ROLE', value: APP_ROLE },
                { name: 'ES_APP_ROLE_YML', value: appRoleYaml(CATALOG_ALIAS) },
                { name: 'ELASTIC_PASSWORD', secretRef: 'elastic-password' },
                { name: 'ES_HOME', value: ELASTICSEARCH_HOME },
                { name: 'ES_JAVA_OPTS', value: heap },
              ],
              resources: { cpu: args.cpu, memory: `${args.cpu * 2}Gi` },
              volumeMounts: [{ volumeName: 'data', mountPath: `${ELASTICSEARCH_HOME}/data` }],
              probes: [
                {
                  type: app.Type.Startup,
                  tcpSocket: { port: ELASTICSEARCH_PORT },
                  periodSeconds: 10,
                  failureThreshold: 30,
                },
                {
                  type: app.Type.Liveness,
                  tcpSocket: { port: ELASTICSEARCH_PORT },
                  periodSeconds: 30,
                  failureThreshold: 3,
                },
              ],
            },
          ],
          // One node, always on: a second replica would be a second, empty cluster; zero would empty it on wake.
          scale: { minReplicas: 1, maxReplicas: 1 },
          volumes: [{ name: 'data', storageType: app.StorageType.EmptyDir }],
        },
      },
      { ...parent, dependsOn: reads },
    );

    this.url = pulumi.interpolate`https://${this.containerApp.name}.${environment.defaultDomain}`;
    this.registerOutputs({ url: this.url });
  }
}
