/**
 * The movie decider, given / when / then, in the spirit of Emmett's DeciderSpecification: past events
 * (folded with `evolve` from the initial state), a command, and what `decide` must answer: the events it
 * leads to (none for a no-op, at most one) or the rejection.
 *
 *   given([created]).when(deleteMovie).then([deleted]);
 *   given([]).when(replaceMovie).thenFails({ type: 'NotFound' });
 */
import { expect } from 'vitest';
import {
  decide,
  evolve,
  initialState,
  type Decision,
  type MovieCommand,
  type Rejection,
} from '../../shared/domain/decider';
import type { MovieEvent } from '../../shared/domain/events';

export interface DecisionSpecification {
  /** The command leads to exactly these events: `[]` (nothing changes) or one. */
  then(events: readonly [] | readonly [MovieEvent]): void;
  /** The command is rejected, exactly so. */
  thenFails(rejection: Rejection): void;
}

export function given(events: readonly MovieEvent[]): { when(command: MovieCommand): DecisionSpecification } {
  return {
    when(command) {
      const decision: Decision = decide(command, events.reduce(evolve, initialState));
      return {
        then(expected) {
          expect(decision).toEqual({ ok: true, event: expected[0] ?? null });
        },
        thenFails(rejection) {
          expect(decision).toEqual({ ok: false, rejection });
        },
      };
    },
  };
}
