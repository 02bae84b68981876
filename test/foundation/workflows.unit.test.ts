/**
 * The GitHub workflows: clean under actionlint (which does find faults: a broken one is shown failing), and
 * shaped as the promotion pipeline: one build, the same artifact in dev and prod, OIDC only, prod behind its
 * environment.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { lintWorkflows, workflowFiles } from '../../scripts/lint-workflows';

type Job = {
  needs?: string | string[];
  environment?: string;
  permissions?: Record<string, string>;
  uses?: string;
  steps?: Array<{ uses?: string; run?: string; with?: Record<string, string>; id?: string }>;
};
type Workflow = { on: Record<string, unknown>; jobs: Record<string, Job> };

const files = workflowFiles();
const workflow = (name: string): Workflow => parse(files.get(`.github/workflows/${name}`) ?? '') as Workflow;

describe('GitHub workflows', () => {
  it('pass actionlint', async () => {
    expect([...files.keys()]).toEqual(['.github/workflows/checks.yml', '.github/workflows/deploy.yml']);
    expect(await lintWorkflows(files)).toEqual([]);
  });

  it('actionlint reports a broken workflow (so the check above can fail)', async () => {
    const broken =
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ secrets }}\n      - uses: actions/checkout@v4\n        with: 3\n';
    const results = await lintWorkflows(new Map([['broken.yml', broken]]));
    expect(results.length).toBeGreaterThan(0);
    expect(results.map((r) => r.file)).toContain('broken.yml');
  });

  it('run the .ci/run checks on pull requests and before any deployment', () => {
    const checks = workflow('checks.yml');
    expect(Object.keys(checks.on).sort()).toEqual(['pull_request', 'workflow_call']);
    expect(checks.jobs.ci?.steps?.some((s) => s.run === 'bash .ci/run')).toBe(true);
    expect(workflow('deploy.yml').jobs.checks?.uses).toBe('./.github/workflows/checks.yml');
  });

  it('build once, then dev, then prod behind its environment, each with the same artifact and OIDC only', () => {
    const deploy = workflow('deploy.yml');
    expect(deploy.on).toHaveProperty('push', { branches: ['main'] });
    const { build, dev, prod } = deploy.jobs;
    expect(build?.steps?.filter((s) => s.run === 'npm run package')).toHaveLength(1);
    expect(build?.steps?.some((s) => s.uses === 'actions/upload-artifact@v4')).toBe(true);
    expect(dev?.needs).toBe('build');
    expect(prod?.needs).toEqual(['build', 'dev']);
    expect(dev?.environment).toBe('dev');
    expect(prod?.environment).toBe('prod');
    for (const [name, job] of [
      ['dev', dev],
      ['prod', prod],
    ] as const) {
      const steps = job?.steps ?? [];
      expect(
        steps.some((s) => s.run === 'npm run package'),
        name,
      ).toBe(false);
      expect(
        steps.some((s) => s.uses === 'actions/download-artifact@v4'),
        name,
      ).toBe(true);
      expect(
        steps.some((s) =>
          s.run?.includes('${{ needs.build.outputs.sha256 }}  dist/functionapp.zip" | sha256sum --check'),
        ),
        name,
      ).toBe(true);
      expect(job?.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
      const login = steps.find((s) => s.uses === 'azure/login@v2');
      expect(Object.keys(login?.with ?? {}).sort(), name).toEqual(['client-id', 'subscription-id', 'tenant-id']);
      expect(steps.find((s) => s.uses === 'pulumi/actions@v6')?.with?.['stack-name'], name).toBe(name);
      expect(
        steps.some((s) => s.run?.includes('npm run smoke -- --url')),
        name,
      ).toBe(true);
    }
    // No client secret anywhere.
    for (const text of files.values()) expect(text).not.toMatch(/client-secret|AZURE_CLIENT_SECRET|ARM_CLIENT_SECRET/i);
  });
});
