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
 * `then` also returns the decided events and the state after them, for tests that check the state.
 */
export interface Decider<State, Command, Event> {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: () => State;
}

export interface Decided<State, Event> {
  events: Event[];
  /** The given state evolved by the decided events. */
  state: State;
}

export interface DeciderWhen<State, Event> {
  /** Asserts the decided events (toEqual) and returns them with the state after them. */
  then(expected: Event[]): Decided<State, Event>;
  /** Asserts that the decision is to do nothing. */
  thenNothingHappened(): void;
  /** Asserts that deciding throws (an instance of `type`, if given) and runs `check` on the error. */
  thenThrows<Failure extends Error = Error>(
    type?: abstract new (...args: never[]) => Failure,
    check?: (error: Failure) => void,
  ): Failure;
  /** The decided events and the state after them, without an assertion of their own. */
  decided(): Decided<State, Event>;
}

export const DeciderSpecification = {
  for:
    <State, Command, Event>(decider: Decider<State, Command, Event>) =>
    (given: Event[] = []) => ({
      /** The state the given events fold to (for tests that look at it directly). */
      state: (): State => given.reduce(decider.evolve, decider.initialState()),
      when: (command: Command): DeciderWhen<State, Event> => {
        const decide = (): Decided<State, Event> => {
          const before = given.reduce(decider.evolve, decider.initialState());
          const events = decider.decide(command, before);
          return { events, state: events.reduce(decider.evolve, before) };
        };
        return {
          decided: decide,
          then: (expected) => {
            const outcome = decide();
            expect(outcome.events).toEqual(expected);
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
    }),
};
