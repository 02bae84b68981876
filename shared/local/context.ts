import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import type { Logger } from '../ports';

/**
 * The InvocationContext of one invocation, logging to `logger`: errors and warnings always, other
 * levels when `info` is set (timers) or LOG_LEVEL=debug.
 */
export function invocationContext(functionName: string, logger: Logger, info = false): InvocationContext {
  return new InvocationContext({
    functionName,
    invocationId: randomUUID(),
    logHandler: (level: string, ...args: unknown[]) => {
      if (level === 'error' || level === 'critical') logger.error(...args);
      else if (level === 'warning') logger.warn(...args);
      else if (info || process.env.LOG_LEVEL === 'debug') logger.log(...args);
    },
  });
}
