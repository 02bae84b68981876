import { registrationSettings, type RegistrationSettings } from '../settings';
import type { AuthLevel } from '../registry';

/**
 * Auth level of the query endpoints: anonymous by default, `function` when QUERY_AUTH_LEVEL says so.
 * Fixed at registration (the Azure host fixes auth levels when the app loads), from the registration
 * settings the configuration loads once and validates (shared/config.ts).
 */
export function queryAuthLevel(settings: RegistrationSettings = registrationSettings()): AuthLevel {
  return settings.queryAuthLevel;
}
