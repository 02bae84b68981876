/**
 * Issue 13: prod as committed plus `pipelineRepository`: autoscale Cosmos DB, the external read store, and
 * the pipeline's deploying identity (OIDC federated credential for the prod environment, least roles).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_ROLES } from '../../stack/roles';
import { FAKE_CLIENT, type ProgramRun, runProgram } from './harness';

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value ?? {}) as Json;

describe('stack "prod" with pipelineRepository set', () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram('prod', { 'movie-catalog:pipelineRepository': 'acme/movie-catalog' });
  }, 60_000);

  it("provisions Cosmos DB with autoscale up to the stack's maximum, guarded and not serverless", () => {
    expect(run.one('azure-native:cosmosdb:DatabaseAccount').inputs.capabilities).toEqual([]);
    const options = (name: string) =>
      obj(
        run.ofType('azure-native:cosmosdb:SqlResourceSqlContainer').find((c) => c.inputs.containerName === name)
          ?.inputs,
      ).options;
    expect(options('events')).toEqual({ autoscaleSettings: { maxThroughput: 10000 } });
    // The jobs container is tiny: autoscale's floor.
    expect(options('jobs')).toEqual({ autoscaleSettings: { maxThroughput: 1000 } });
    expect(run.one('pulumi-nodejs:dynamic/movie-catalog:CosmosCapacityGuard').inputs).toMatchObject({
      mode: 'autoscale',
      allowReplacement: false,
    });
    expect(run.outputs.cosmosCapacity).toBe('autoscale');
  });

  it('uses the external read store with its API key, and declares no container', () => {
    expect(run.outputs.readStoreMode).toBe('external');
    expect(run.ofType('azure-native:app:ContainerApp')).toEqual([]);
    expect(run.ofType('random:index/randomPassword:RandomPassword')).toEqual([]);
  });

  it('declares the deploying identity with one federated credential, for the prod environment of that repository', () => {
    const credential = run.one('azure-native:managedidentity:FederatedIdentityCredential').inputs;
    expect(credential).toMatchObject({
      federatedIdentityCredentialResourceName: 'github-prod',
      issuer: 'https://token.actions.githubusercontent.com',
      subject: 'repo:acme/movie-catalog:environment:prod',
      audiences: ['api://AzureADTokenExchange'],
      resourceName: 'pipeline-x1y2z3',
    });
    // The harness derives a fake identity's ids from its logical name ('pipeline' -> hex 706970656c69).
    expect(run.outputs.pipelineClientId).toBe('eeeeeeee-0000-0000-0000-706970656c69');
    expect(run.outputs.pipelineTenantId).toBe(FAKE_CLIENT.tenantId);
    expect(run.outputs.pipelineSubscriptionId).toBe(FAKE_CLIENT.subscriptionId);
    expect(run.outputs.pipelineOidcSubject).toBe('repo:acme/movie-catalog:environment:prod');
  });

  it('grants it Contributor and a role-assignment right limited to the roles the program assigns, on the resource group only', () => {
    const group = run.one('azure-native:resources:ResourceGroup');
    const grants = run
      .ofType('azure-native:authorization:RoleAssignment')
      .filter((g) => g.name.startsWith('pipeline-'));
    expect(grants.map((g) => [g.name, String(g.inputs.roleDefinitionId).split('/').pop(), g.inputs.scope])).toEqual([
      ['pipeline-contributor', 'b24988ac-6180-42a0-ab88-20f7382dd24c', group.id],
      ['pipeline-assigns-app-roles', 'f58310d9-a9f6-439a-9e8d-f62e7b41a168', group.id],
    ]);
    const limited = grants[1]?.inputs as Json;
    expect(limited.conditionVersion).toBe('2.0');
    const list = Object.values(BUILT_IN_ROLES).join(', ');
    expect(limited.condition).toBe(
      "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'}))" +
        ` OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${list}}))` +
        " AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'}))" +
        ` OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${list}}))`,
    );
    expect(list.split(', ')).toEqual([
      'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
      '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
      'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
      'd5a91429-5739-47e2-a06b-3470a27159e7',
      '4633458b-17de-408a-b874-0445c86b69e6',
      '3913510d-42f4-4e42-8a64-420c390055eb',
    ]);
  });
});
