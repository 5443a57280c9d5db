/**
 * Given/when/then for a pure decider (Emmett's `DeciderSpecification`): the state is the fold of
 * the given events, the command is decided on it, and the decided events (or the error) are what
 * the test checks. Works with any `{ decide, evolve, initialState }`, e.g. an aggregate's
 * `export const totpDecider = { decide, evolve, initialState }`:
 *
 *   const given = DeciderSpecification.for(totpDecider);
 *
 *   it('records a confirmed credential', () => {
 *     given([enrolled()])
 *       .when({ type: 'ConfirmTotp', verdict: 'valid', metadata: { now: T1 } })
 *       .then([{ type: 'TotpConfirmed', data: { at: T1.toISOString() } }]);
 *   });
 *
 *   it('refuses a suspended credential', () => {
 *     given([enrolled(), suspended()])
 *       .when({ type: 'ConfirmTotp', verdict: 'valid', metadata: { now: T1 } })
 *       .thenThrows(DomainError, (error) => expect(error.code).toBe('TOTP_SUSPENDED'));
 *   });
 *
 * `then` also returns the decided events and the state after them, for tests that check the state,
 * and goes on from there with `when` (several commands in a row). A history built from commands
 * rather than events is `given().followedBy(create(), rename())`. `{ equality: 'strict' }` compares
 * decided events with `toStrictEqual` (for deciders whose events leave unchanged fields out).
 */
export interface Decider<State, Command, Event> {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: () => State;
}

export interface Decided<State, Command, Event> {
  events: Event[];
  /** The given state evolved by the decided events. */
  state: State;
  /** The next command, decided on the state after these events. */
  when(command: Command): DeciderWhen<State, Command, Event>;
}

export interface DeciderWhen<State, Command, Event> {
  /** Asserts the decided events (toEqual, or toStrictEqual) and returns them with the state after them. */
  then(expected: Event[]): Decided<State, Command, Event>;
  /** Asserts that the decision is to do nothing. */
  thenNothingHappened(): void;
  /** Asserts that deciding throws (an instance of `type`, if given) and runs `check` on the error. */
  thenThrows<Failure extends Error = Error>(
    type?: abstract new (...args: never[]) => Failure,
    check?: (error: Failure) => void,
  ): Failure;
  /** The decided events and the state after them, without an assertion of their own. */
  decided(): Decided<State, Command, Event>;
}

export interface DeciderGiven<State, Command, Event> {
  /** The given events. */
  events: Event[];
  /** The state the given events fold to (for tests that look at it directly). */
  state(): State;
  /** The given events followed by what deciding these commands in a row records. */
  followedBy(...commands: Command[]): DeciderGiven<State, Command, Event>;
  when(command: Command): DeciderWhen<State, Command, Event>;
}

export interface DeciderSpecificationOptions {
  /** How `then` compares the decided events with the expected ones. */
  equality?: 'equal' | 'strict';
}

const specify = <State, Command, Event>(
  decider: Decider<State, Command, Event>,
  options: DeciderSpecificationOptions,
  given: Event[],
): DeciderGiven<State, Command, Event> => {
  const fold = (events: Event[]): State => events.reduce(decider.evolve, decider.initialState());
  return {
    events: given,
    state: () => fold(given),
    followedBy: (...commands) =>
      specify(
        decider,
        options,
        commands.reduce<Event[]>((history, command) => [...history, ...decider.decide(command, fold(history))], given),
      ),
    when: (command) => {
      const decide = (): Decided<State, Command, Event> => {
        const before = fold(given);
        const events = decider.decide(command, before);
        return {
          events,
          state: events.reduce(decider.evolve, before),
          when: (next) => specify(decider, options, [...given, ...events]).when(next),
        };
      };
      return {
        decided: decide,
        then: (expected) => {
          const outcome = decide();
          if (options.equality === 'strict') expect(outcome.events).toStrictEqual(expected);
          else expect(outcome.events).toEqual(expected);
          return outcome;
        },
        thenNothingHappened: () => {
          expect(decide().events).toEqual([]);
        },
        thenThrows: <Failure extends Error>(
          type?: abstract new (...args: never[]) => Failure,
          check?: (error: Failure) => void,
        ): Failure => {
          let thrown: unknown;
          try {
            decide();
          } catch (error) {
            thrown = error;
          }
          if (thrown === undefined) throw new Error('expected the decision to throw; it did not');
          if (type) expect(thrown).toBeInstanceOf(type);
          check?.(thrown as Failure);
          return thrown as Failure;
        },
      };
    },
  };
};

export const DeciderSpecification = {
  for:
    <State, Command, Event>(decider: Decider<State, Command, Event>, options: DeciderSpecificationOptions = {}) =>
    (given: Event[] = []): DeciderGiven<State, Command, Event> =>
      specify(decider, options, given),
};
