/**
 * After the code deploy: every Key Vault reference in the app settings must be resolved. App Service resolves
 * references when the site's configuration changes and caches the outcome for up to 24 hours; on a first
 * `up` that can happen before the identity's "Key Vault Secrets User" grant has propagated, and the app then
 * runs with the literal `@Microsoft.KeyVault(...)` text. Here we read each reference's status through ARM, ask
 * App Service to fetch them again while one is unresolved, and fail the `up` naming the settings when they
 * stay unresolved.
 *
 * ARM (Microsoft Learn, "Use Key Vault references as app settings", Rotation; REST WebApps_GetAppSettingsKeyVaultReferences):
 *   GET  {app id}/config/configreferences/appsettings?api-version=…   -> { value: [{ name, properties: { status, details, … } }] }
 *   POST {app id}/config/configreferences/appsettings/refresh?api-version=2022-03-01   (forces resolution)
 *
 * Serialized into the dynamic provider like onedeploy.ts: no module-level imports, plain module-level data.
 */
import { ARM_WEB_API_VERSION, DeployError, type OneDeployOptions, isRecord, parseJson, send } from './onedeploy';

/** The status App Service reports for a reference it could read. */
export const RESOLVED = 'Resolved';
/** The api-version Microsoft documents for the refresh action. */
export const REFRESH_API_VERSION = '2022-03-01';

export interface ReferenceStatus {
  /** The app setting's name. */
  readonly setting: string;
  readonly status: string;
  readonly details?: string;
}

/** Reads the list answer; a reference without a status counts as unresolved ("unknown"). */
export function referenceStatuses(listBody: unknown): ReferenceStatus[] {
  if (!isRecord(listBody) || !Array.isArray(listBody.value)) return [];
  return listBody.value.flatMap((item: unknown) => {
    if (!isRecord(item)) return [];
    // The id always ends with the setting's key (…/config/configreferences/appsettings/<key>); `name` is not always set.
    const rawName = typeof item.id === 'string' ? item.id : typeof item.name === 'string' ? item.name : '';
    const setting = rawName.split('/').pop() ?? rawName;
    const props = isRecord(item.properties) ? item.properties : {};
    const status = typeof props.status === 'string' && props.status !== '' ? props.status : 'unknown';
    const details = typeof props.details === 'string' && props.details !== '' ? props.details : undefined;
    return [details === undefined ? { setting, status } : { setting, status, details }];
  });
}

export function unresolved(statuses: readonly ReferenceStatus[]): ReferenceStatus[] {
  return statuses.filter((s) => s.status !== RESOLVED);
}

function describeUnresolved(references: readonly ReferenceStatus[]): string {
  return references.map((r) => `${r.setting} (${r.status}${r.details ? `: ${r.details}` : ''})`).join('; ');
}

export interface ReferencesTarget {
  /** `https://management.azure.com` (or the cloud's ARM endpoint). */
  readonly armBaseUrl: string;
  readonly appResourceId: string;
}

/** Refresh rounds: each asks App Service to resolve again, waits `intervalMs`, then reads the statuses. */
export interface RefreshPolicy {
  readonly rounds: number;
  readonly intervalMs: number;
}

/** Default: 10 rounds 30 s apart, about 5 minutes for a role assignment to reach Key Vault. */
export const DEFAULT_REFRESH: RefreshPolicy = { rounds: 10, intervalMs: 30_000 };

/**
 * Resolves when every Key Vault reference reports `Resolved`; otherwise refreshes and re-reads, at most
 * `policy.rounds` times, then throws naming each unresolved setting with its status and details.
 */
export async function ensureKeyVaultReferences(
  target: ReferencesTarget,
  options: OneDeployOptions,
  policy: RefreshPolicy = DEFAULT_REFRESH,
): Promise<ReferenceStatus[]> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const base = `${target.armBaseUrl}${target.appResourceId}/config/configreferences/appsettings`;
  const read = async () => {
    const answer = await send(
      `${base}?api-version=${ARM_WEB_API_VERSION}`,
      { method: 'GET' },
      options,
      (s) => s === 200,
    );
    return referenceStatuses(parseJson(answer.body));
  };
  let statuses = await read();
  let pending = unresolved(statuses);
  for (let round = 1; pending.length > 0 && round <= policy.rounds; round += 1) {
    options.log?.(
      `Key Vault reference(s) not resolved yet: ${describeUnresolved(pending)}; refresh ${round}/${policy.rounds}`,
    );
    await send(
      `${base}/refresh?api-version=${REFRESH_API_VERSION}`,
      { method: 'POST' },
      options,
      (s) => s === 200 || s === 202 || s === 204,
    );
    await sleep(policy.intervalMs);
    statuses = await read();
    pending = unresolved(statuses);
  }
  if (pending.length > 0) {
    throw new DeployError(
      `Key Vault reference(s) still unresolved after ${policy.rounds} refreshes ${policy.intervalMs} ms apart: ` +
        `${describeUnresolved(pending)}. The app would read the literal @Microsoft.KeyVault(...) text. Check that the ` +
        'app identity holds "Key Vault Secrets User" on the vault and that the secret exists, then run `pulumi up` again.',
    );
  }
  return statuses;
}
