/** Timer functions on the local host: run on their NCRONTAB schedules, or now on request (tests). */
import { Cron } from 'croner';
import type { Config } from '../config';
import type { Deps, Logger } from '../ports';
import type { TimerFunctionDefinition } from '../registry';
import { invocationContext } from './context';

/** `%NAME%` in a schedule names an app setting, as in Azure; the local host resolves it from config. */
export function resolveSchedule(schedule: string, config: Config): string {
  const settings: Record<string, string> = {
    RELAY_SCHEDULE: config.relay.schedule,
    JOBS_SCHEDULE: config.jobs.schedule,
  };
  return schedule.replace(/^%([A-Za-z0-9_]+)%$/, (whole, name: string) => {
    const value = settings[name];
    if (value === undefined) throw new Error(`timer schedule ${whole}: no setting ${name}`);
    return value;
  });
}

export interface LocalTimers {
  /** Runs the timer function `name` now; throws when there is none. */
  run(name: string): Promise<void>;
  stop(): void;
}

/** One run of a timer function; a failure is logged, never thrown (the next tick runs it again). */
async function runTimer(definition: TimerFunctionDefinition, deps: Deps, logger: Logger): Promise<void> {
  const now = new Date().toISOString();
  try {
    await definition.handler(
      {
        isPastDue: false,
        schedule: { adjustForDST: true },
        scheduleStatus: { last: now, next: now, lastUpdated: now },
      },
      invocationContext(definition.name, logger, true),
      deps,
    );
  } catch (error) {
    logger.error(`timer ${definition.name} failed: ${(error as Error).message}`);
  }
}

/** The timer functions, each on its schedule when `scheduled` (a run never overlaps the previous one). */
export function startTimers(
  definitions: readonly TimerFunctionDefinition[],
  options: { readonly config: Config; readonly deps: Deps; readonly logger: Logger; readonly scheduled: boolean },
): LocalTimers {
  const { config, deps, logger } = options;
  const crons: Cron[] = [];
  const stop = () => {
    for (const cron of crons) cron.stop();
  };
  try {
    for (const definition of options.scheduled ? definitions : []) {
      const schedule = resolveSchedule(definition.schedule, config);
      crons.push(new Cron(schedule, { protect: true }, () => runTimer(definition, deps, logger)));
    }
  } catch (error) {
    stop(); // a bad schedule leaves nothing running
    throw error;
  }
  return {
    async run(name) {
      const definition = definitions.find((t) => t.name === name);
      if (!definition) throw new Error(`no timer function ${name}`);
      await runTimer(definition, deps, logger);
    },
    stop,
  };
}
