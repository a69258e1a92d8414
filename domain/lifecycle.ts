/** One command of a lifecycle: the statuses it may be issued from and the status it leads to (unchanged when absent). */
export interface Transition<S extends string> {
  from: readonly S[];
  to?: S | ((from: S) => S);
}

export interface Lifecycle<S extends string, C extends string> {
  statuses: readonly S[];
  commands: readonly C[];
  canIssue(command: C, status: S): boolean;
  /** The commands that may be issued now: what the API answers and what the workflow enforces, from one table. */
  allowed(status: S): C[];
  next(command: C, status: S): S;
  isTerminal(status: S): boolean;
}

/** A ticket type's transition table: the workflow and the API's allowed-commands answer both read it. */
export function defineLifecycle<S extends string, C extends string>(spec: {
  statuses: readonly S[];
  terminal: readonly S[];
  transitions: Record<C, Transition<S>>;
}): Lifecycle<S, C> {
  const commands = Object.keys(spec.transitions) as C[];
  const canIssue = (command: C, status: S) => spec.transitions[command].from.includes(status);
  return {
    statuses: spec.statuses,
    commands,
    canIssue,
    allowed: (status) => commands.filter((c) => canIssue(c, status)),
    next(command, status) {
      const to = spec.transitions[command].to;
      return to === undefined ? status : typeof to === 'function' ? to(status) : to;
    },
    isTerminal: (status) => spec.terminal.includes(status),
  };
}
