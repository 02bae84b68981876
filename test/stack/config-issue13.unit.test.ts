/** Issue 13's stack settings fail fast, naming the key, when they are out of range. */
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { readStackConfig } from '../../stack/config';
import { PROJECT, effectiveConfig } from './harness';

function read(overrides: Record<string, string>) {
  pulumi.runtime.setAllConfig(effectiveConfig('dev', overrides), []);
  return readStackConfig(new pulumi.Config(PROJECT));
}
const key = (k: string) => `${PROJECT}:${k}`;

describe('stack config of issue 13', () => {
  beforeAll(async () => {
    await pulumi.runtime.setMocks(
      { newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs },
      PROJECT,
      'dev',
      false,
    );
  });

  it('defaults to the container read store, 1 vCPU and a 1024 MB heap, serverless Cosmos, no pipeline', () => {
    const cfg = read({});
    expect(cfg.readStore).toEqual({ mode: 'container', cpu: 1, heapMB: 1024 });
    expect(cfg.cosmosCapacity).toEqual({ mode: 'serverless' });
    expect(cfg.cosmosAllowReplacement).toBe(false);
    expect(cfg.pipeline).toBeUndefined();
  });

  it('checks the container size against the consumption profile and the heap against half its memory', () => {
    expect(read({ [key('readStoreCpu')]: '2.5', [key('readStoreHeapMB')]: '2560' }).readStore).toEqual({
      mode: 'container',
      cpu: 2.5,
      heapMB: 2560,
    });
    expect(() => read({ [key('readStoreCpu')]: '0.3' })).toThrow(
      'config movie-catalog:readStoreCpu must be 0.5 to 4 in steps of 0.25',
    );
    expect(() => read({ [key('readStoreCpu')]: '8' })).toThrow(
      'config movie-catalog:readStoreCpu must be 0.5 to 4 in steps of 0.25',
    );
    expect(() => read({ [key('readStoreHeapMB')]: '1025' })).toThrow(
      'config movie-catalog:readStoreHeapMB must be at most half the container memory (1024 MB for 1 vCPU); got 1025',
    );
    expect(() => read({ [key('readStore')]: 'elastic' })).toThrow(
      'config movie-catalog:readStore must be one of container, external; got "elastic"',
    );
  });

  it('needs an https URL (and the API key secret) only for the external read store', () => {
    expect(() => read({ [key('readStore')]: 'external' })).toThrow(/elasticsearchUrl/);
    expect(() => read({ [key('readStore')]: 'external', [key('elasticsearchUrl')]: 'http://plain.example' })).toThrow(
      'config movie-catalog:elasticsearchUrl must be an https:// URL; got "http://plain.example"',
    );
    expect(
      read({
        [key('readStore')]: 'external',
        [key('elasticsearchUrl')]: 'https://es.example',
        [key('elasticsearchApiKey')]: 'k',
      }).readStore,
    ).toMatchObject({ mode: 'external', url: 'https://es.example' });
  });

  it('takes autoscale maxima in thousands of RU/s, and owner/name repositories', () => {
    expect(
      read({ [key('cosmosCapacity')]: 'autoscale', [key('cosmosAutoscaleMaxThroughput')]: '6000' }).cosmosCapacity,
    ).toEqual({ mode: 'autoscale', maxThroughput: 6000 });
    expect(() => read({ [key('cosmosCapacity')]: 'autoscale', [key('cosmosAutoscaleMaxThroughput')]: '1500' })).toThrow(
      'config movie-catalog:cosmosAutoscaleMaxThroughput must be a multiple of 1000 RU/s; got 1500',
    );
    expect(() => read({ [key('cosmosCapacity')]: 'autoscale', [key('cosmosAutoscaleMaxThroughput')]: '400' })).toThrow(
      /must be an integer >= 1000/,
    );
    expect(read({ [key('pipelineRepository')]: 'acme/movie-catalog' }).pipeline).toEqual({
      repository: 'acme/movie-catalog',
      environment: 'dev',
    });
    expect(() => read({ [key('pipelineRepository')]: 'https://github.com/acme/movie-catalog' })).toThrow(
      'config movie-catalog:pipelineRepository must be owner/name',
    );
  });
});
