/**
 * Issue 13: the dev stack as committed (no read-store, Cosmos or secret config at all) declares its own read
 * store: Elasticsearch in Container Apps with a least-privilege file-realm user whose password is generated,
 * kept in Key Vault, handed to the container as a Key Vault-backed Container Apps secret and to the app as a
 * Key Vault reference.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_ROLES } from '../../stack/roles';
import { type ProgramRun, type Recorded, runProgram, stackConfig, strings } from './harness';
import { AZURE_RULES } from './program-assertions';

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value ?? {}) as Json;

/** The app settings as the `sites/config/appsettings` resource sends them. */
function appSettings(run: ProgramRun): Map<string, string> {
  const properties = obj(run.one('azure-native:web:WebAppApplicationSettings').inputs.properties);
  return new Map(Object.entries(properties).map(([k, v]) => [k, String(v)]));
}

describe('stack "dev" as committed: the read store is the program\'s own Elasticsearch container', () => {
  let run: ProgramRun;
  let container: Json;
  beforeAll(async () => {
    run = await runProgram('dev');
    const template = obj(run.one('azure-native:app:ContainerApp').inputs.template);
    container = obj((template.containers as unknown[])[0]);
  }, 60_000);

  describe("Azure's rules (the same table as every stack)", () => {
    it.each(AZURE_RULES.map((r) => [r.rule, r] as const))('%s', (_rule, r) => {
      r.check(run);
    });
  });

  it('needs no read-store, Cosmos or secret config in the stack file', () => {
    const keys = Object.keys(stackConfig('dev'));
    expect(keys.filter((k) => /elasticsearch|readStore|cosmos|pipeline/i.test(k))).toEqual([]);
    expect(run.outputs.readStoreMode).toBe('container');
    expect(run.outputs.cosmosCapacity).toBe('serverless');
  });

  it('runs Elasticsearch 8.19 as one always-on single replica behind the HTTPS ingress', () => {
    const environment = run.one('azure-native:app:ManagedEnvironment').inputs;
    expect(environment.workloadProfiles).toBeUndefined(); // consumption only
    const app = run.one('azure-native:app:ContainerApp');
    expect(app.inputs.managedEnvironmentId).toBe(run.one('azure-native:app:ManagedEnvironment').id);
    expect(obj(obj(app.inputs.configuration).ingress)).toMatchObject({
      external: true,
      targetPort: 9200,
      transport: 'http',
      allowInsecure: false,
    });
    const template = obj(app.inputs.template);
    expect(template.scale).toEqual({ minReplicas: 1, maxReplicas: 1 });
    expect(container.image).toBe('docker.elastic.co/elasticsearch/elasticsearch:8.19.21');
    expect(container.resources).toEqual({ cpu: 1, memory: '2Gi' });
    const command = container.command as string[];
    expect(command.slice(0, 2)).toEqual(['/bin/bash', '-c']);
    for (const line of [
      'discovery.type: single-node',
      'node.store.allow_mmap: false',
      'xpack.security.enabled: true',
      'xpack.security.http.ssl.enabled: false',
      'elasticsearch-users" useradd',
    ]) {
      expect(command[2], line).toContain(line);
    }
    expect(run.outputs.elasticsearchUrl).toBe(
      'https://read-store-app-x1y2z3.fake-env-1a2b.swedencentral.azurecontainerapps.io',
    );
  });

  it('passes heap, user, role file and secrets to the container as environment', () => {
    const env = new Map(
      (container.env as Array<{ name: string; value?: string; secretRef?: string }>).map((e) => [e.name, e]),
    );
    expect(env.get('ES_JAVA_OPTS')?.value).toBe('-Xms1024m -Xmx1024m');
    expect(env.get('ES_APP_USERNAME')?.value).toBe('movie-catalog-app');
    expect(env.get('ES_APP_ROLE')?.value).toBe('movie_catalog_app');
    expect(env.get('ES_APP_ROLE_YML')?.value).toBe(
      [
        'movie_catalog_app:',
        '  cluster: []',
        '  indices:',
        "    - names: ['movies', 'movies-*']",
        '      privileges: [read, write, manage]',
        '',
      ].join('\n'),
    );
    expect(env.get('ES_APP_PASSWORD')).toEqual({ name: 'ES_APP_PASSWORD', secretRef: 'app-password' });
    expect(env.get('ELASTIC_PASSWORD')).toEqual({ name: 'ELASTIC_PASSWORD', secretRef: 'elastic-password' });
  });

  it('generates both passwords, keeps them in Key Vault, and the container reads them from there with its own identity', () => {
    const passwords = run.ofType('random:index/randomPassword:RandomPassword');
    expect(passwords.map((p) => p.inputs)).toEqual([
      expect.objectContaining({ length: 32, special: false }),
      expect.objectContaining({ length: 32, special: false }),
    ]);
    const secrets = new Map(run.ofType('azure-native:keyvault:Secret').map((s) => [String(s.inputs.secretName), s]));
    expect([...secrets.keys()].sort()).toEqual([
      'appinsights-connection-string',
      'elasticsearch-app-password',
      'elasticsearch-elastic-password',
    ]);
    expect(obj(secrets.get('elasticsearch-app-password')?.inputs.properties).value).toBe(
      'FAKE-RANDOM-read-store-app-password',
    );
    expect(obj(secrets.get('elasticsearch-elastic-password')?.inputs.properties).value).toBe(
      'FAKE-RANDOM-read-store-elastic-password',
    );

    const app = run.one('azure-native:app:ContainerApp');
    const identities = run.ofType('azure-native:managedidentity:UserAssignedIdentity');
    const own = identities.find((i) => i.name === 'read-store-identity') as Recorded;
    expect(obj(app.inputs.identity)).toEqual({ type: 'UserAssigned', userAssignedIdentities: [own.id] });
    expect(obj(app.inputs.configuration).secrets).toEqual([
      {
        name: 'app-password',
        keyVaultUrl: 'https://kv-fake.vault.azure.net/secrets/elasticsearch-app-password',
        identity: own.id,
      },
      {
        name: 'elastic-password',
        keyVaultUrl: 'https://kv-fake.vault.azure.net/secrets/elasticsearch-elastic-password',
        identity: own.id,
      },
    ]);
    // Secret-scoped Key Vault Secrets User grants, in place before the container app exists.
    const vault = run.one('azure-native:keyvault:Vault');
    const reads = run
      .ofType('azure-native:authorization:RoleAssignment')
      .filter((g) => g.name.startsWith('read-store-'));
    expect(reads.map((g) => String(g.inputs.scope)).sort()).toEqual([
      `${vault.id}/secrets/elasticsearch-app-password`,
      `${vault.id}/secrets/elasticsearch-elastic-password`,
    ]);
    for (const grant of reads) {
      expect(String(grant.inputs.roleDefinitionId).endsWith(BUILT_IN_ROLES.keyVaultSecretsUser)).toBe(true);
      expect(app.dependencies).toContain(grant.urn);
    }
  });

  it('gives the app the container URL, the least-privilege user and its password as a Key Vault reference', () => {
    const settings = appSettings(run);
    expect(settings.get('ELASTICSEARCH_URL')).toBe(run.outputs.elasticsearchUrl);
    expect(settings.get('ELASTICSEARCH_USERNAME')).toBe('movie-catalog-app');
    expect(settings.get('ELASTICSEARCH_PASSWORD')).toBe(
      '@Microsoft.KeyVault(SecretUri=https://kv-fake.vault.azure.net/secrets/elasticsearch-app-password)',
    );
    expect(settings.has('ELASTICSEARCH_API_KEY')).toBe(false);
    const exposed = [...strings([...settings.values()]), ...strings(run.outputs)];
    for (const value of exposed) expect(value).not.toMatch(/FAKE-RANDOM/);
  });

  it('keeps Cosmos DB serverless, guarded against a silent capacity switch, and declares no pipeline identity', () => {
    expect(run.one('azure-native:cosmosdb:DatabaseAccount').inputs.capabilities).toEqual([
      { name: 'EnableServerless' },
    ]);
    expect(
      run
        .ofType('azure-native:cosmosdb:SqlResourceSqlContainer')
        .map((c) => [c.inputs.containerName, obj(c.inputs).options])
        .sort(),
    ).toEqual([
      ['events', undefined],
      ['jobs', undefined],
    ]);
    const guard = run.one('pulumi-nodejs:dynamic/movie-catalog:CosmosCapacityGuard');
    expect(guard.inputs).toMatchObject({ mode: 'serverless', allowReplacement: false });
    expect(run.one('azure-native:cosmosdb:DatabaseAccount').dependencies).toContain(guard.urn);
    expect(run.ofType('azure-native:managedidentity:FederatedIdentityCredential')).toEqual([]);
    expect(run.outputs.pipelineClientId).toBeUndefined();
  });
});
