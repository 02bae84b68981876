/**
 * The app's CODE as a resource: `pulumi up` deploys the built zip (One Deploy) and waits until the app lists
 * the functions Event Grid subscriptions point at, then until every Key Vault reference in the app settings is
 * resolved. Redeploys only when the package's sha256 changes, so the same artifact promoted from dev to prod is
 * the same input. Authenticates as the azure-native provider does (stack config, then ARM_* variables; see
 * azure-credential.ts), with a token fetched when the deploy runs: no credential is an input or an output.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { type ProviderAuth, providerIdentity, readProviderAuth } from './azure-credential';
import { ensureKeyVaultReferences } from './key-vault-references';
import { deployPackage, diffCode, sha256 } from './onedeploy';

/** What the provider receives (resolved inputs). */
export interface CodeInputs {
  readonly appResourceId: string;
  /** `https://<scm host>` */
  readonly scmBaseUrl: string;
  /** The cloud's ARM endpoint; the token audience is `<armEndpoint>/.default`. */
  readonly armEndpoint: string;
  readonly packagePath: string;
  readonly packageSha256: string;
  readonly requiredFunctions: string[];
}

export interface CodeOutputs extends CodeInputs {
  readonly deploymentId: string;
}

export const PUBLIC_ARM_ENDPOINT = 'https://management.azure.com';

/** Runs inside Pulumi's provider host (serialized): modules are `require`d here, not captured from the top. */
async function deployCode(inputs: CodeInputs, auth: ProviderAuth): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const zip = (require('node:fs') as typeof import('node:fs')).readFileSync(inputs.packagePath);
  const actual = sha256(zip);
  if (actual !== inputs.packageSha256) {
    throw new Error(
      `${inputs.packagePath} changed since the preview (sha256 ${actual}, expected ${inputs.packageSha256})`,
    );
  }
  const armBaseUrl = inputs.armEndpoint.replace(/\/+$/, '');
  const identity = providerIdentity(auth, globalThis.fetch);
  const log = (message: string) => console.log(`[code deployment] ${message}`);
  log(`authenticating as the azure-native identity: ${identity.description}`);
  const options = { fetch: globalThis.fetch, getToken: identity.tokenFor(`${armBaseUrl}/.default`), log };
  const target = { scmBaseUrl: inputs.scmBaseUrl.replace(/\/+$/, ''), armBaseUrl, appResourceId: inputs.appResourceId };
  const result = await deployPackage(target, zip, inputs.requiredFunctions, options);
  await ensureKeyVaultReferences(target, options);
  return result.deploymentId ?? `sha256:${inputs.packageSha256}`;
}

/** The provider object; `auth` is set by `configure` in the provider host (from the stack config). */
interface CodeProvider extends pulumi.dynamic.ResourceProvider<CodeInputs, CodeOutputs> {
  auth?: ProviderAuth;
}

/** Exported for the serialization test; Pulumi serializes it with every `FunctionCode`. */
export const functionCodeProvider: CodeProvider = {
  async configure(req) {
    this.auth = readProviderAuth((key) => req.config.get(key), process.env);
  },
  async diff(_id, olds, news) {
    const { changes, replaces } = diffCode(olds, news);
    return { changes, replaces, deleteBeforeReplace: false };
  },
  async create(inputs) {
    const deploymentId = await deployCode(inputs, this.auth ?? readProviderAuth(() => undefined, process.env));
    return { id: `${inputs.appResourceId}/code`, outs: { ...inputs, deploymentId } };
  },
  async update(_id, _olds, news) {
    const deploymentId = await deployCode(news, this.auth ?? readProviderAuth(() => undefined, process.env));
    return { outs: { ...news, deploymentId } };
  },
  // Nothing to delete: the code lives and dies with the app.
  async delete() {},
};

export interface FunctionCodeArgs {
  readonly appResourceId: pulumi.Input<string>;
  readonly scmHostName: pulumi.Input<string>;
  /** The cloud's ARM endpoint (sovereign clouds); default `https://management.azure.com`. */
  readonly armEndpoint?: pulumi.Input<string>;
  /** Zip built by `npm run package`, relative to the project root. */
  readonly packagePath: string;
  /** Functions that must be listed after the deployment (the subscriptions target them). */
  readonly requiredFunctions: readonly string[];
}

/** Reads the package now, so `pulumi preview` already shows whether the code changes. */
export function packageFingerprint(packagePath: string): { absolutePath: string; sha256: string } {
  const absolutePath = path.resolve(packagePath);
  if (!fs.existsSync(absolutePath)) {
    throw new Error(`config packagePath: ${packagePath} not found; build it first with \`npm run package\``);
  }
  return { absolutePath, sha256: sha256(fs.readFileSync(absolutePath)) };
}

export class FunctionCode extends pulumi.dynamic.Resource {
  declare readonly packageSha256: pulumi.Output<string>;
  declare readonly deploymentId: pulumi.Output<string>;

  constructor(name: string, args: FunctionCodeArgs, opts?: pulumi.CustomResourceOptions) {
    const fingerprint = packageFingerprint(args.packagePath);
    super(
      functionCodeProvider,
      name,
      {
        appResourceId: args.appResourceId,
        scmBaseUrl: pulumi.interpolate`https://${args.scmHostName}`,
        armEndpoint: args.armEndpoint ?? PUBLIC_ARM_ENDPOINT,
        packagePath: fingerprint.absolutePath,
        packageSha256: fingerprint.sha256,
        requiredFunctions: [...new Set(args.requiredFunctions)],
        deploymentId: undefined,
      },
      opts,
      'movie-catalog',
      'FunctionCode',
    );
  }
}

/** The code deployment concern: wraps the dynamic resource so it shows up as one unit in the resource tree. */
export class CodeDeployment extends pulumi.ComponentResource {
  readonly code: FunctionCode;

  constructor(name: string, args: FunctionCodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super('movie-catalog:stack:CodeDeployment', name, {}, opts);
    this.code = new FunctionCode(`${name}-zip`, args, { parent: this });
    this.registerOutputs({ packageSha256: this.code.packageSha256 });
  }
}
