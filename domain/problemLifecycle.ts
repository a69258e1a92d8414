import { defineLifecycle } from './lifecycle';

/**
 * The problem lifecycle (DESIGN.md, Lifecycles; ITIL Problem Management):
 * new → investigating → known_error → fix_in_progress → resolved → closed,
 * cancelled from any open state, resolved → investigating on reopen. A known
 * error may be published while investigating or straight from new (a
 * workaround found at once); a fix may start before one is published.
 */
export const PROBLEM_STATUSES = ['new', 'investigating', 'known_error', 'fix_in_progress', 'resolved', 'closed', 'cancelled'] as const;
export type ProblemStatus = (typeof PROBLEM_STATUSES)[number];

const OPEN = ['new', 'investigating', 'known_error', 'fix_in_progress'] as const satisfies readonly ProblemStatus[];

export const problemLifecycle = defineLifecycle({
  statuses: PROBLEM_STATUSES,
  terminal: ['closed', 'cancelled'],
  transitions: {
    assign: { from: OPEN },
    investigate: { from: ['new'], to: 'investigating' },
    'publish-known-error': { from: ['new', 'investigating', 'known_error'], to: 'known_error' },
    'start-fix': { from: ['investigating', 'known_error'], to: 'fix_in_progress' },
    // The fix is a change: raising it starts the fix, and its successful close resolves the problem.
    'raise-change': { from: ['investigating', 'known_error', 'fix_in_progress'], to: 'fix_in_progress' },
    resolve: { from: OPEN, to: 'resolved' },
    reopen: { from: ['resolved'], to: 'investigating' },
    close: { from: ['resolved'], to: 'closed' },
    cancel: { from: OPEN, to: 'cancelled' },
    comment: { from: [...OPEN, 'resolved'] },
    'set-priority': { from: OPEN },
    update: { from: [...OPEN, 'resolved'] },
  },
});

export const PROBLEM_COMMANDS = problemLifecycle.commands;
export type ProblemCommand = (typeof PROBLEM_COMMANDS)[number];
