import { defineLifecycle, type Transition } from './lifecycle';

/**
 * Change lifecycles (DESIGN.md, Lifecycles; ServiceNow's states). A normal
 * change is assessed, authorized by its CAB, scheduled, implemented and
 * reviewed; an emergency change goes to its emergency board at once; a
 * standard change is pre-approved and opens scheduled. Approval moves an
 * authorized change to scheduled; a reject ends it.
 */
export const CHANGE_STATUSES = ['new', 'assess', 'authorize', 'scheduled', 'implement', 'review', 'closed', 'rejected', 'cancelled'] as const;
export type ChangeStatus = (typeof CHANGE_STATUSES)[number];
export const CHANGE_TYPES = ['standard', 'normal', 'emergency'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

const BEFORE_IMPLEMENTATION = ['new', 'assess', 'authorize', 'scheduled'] as const satisfies readonly ChangeStatus[];
const OPEN = [...BEFORE_IMPLEMENTATION, 'implement', 'review'] as const satisfies readonly ChangeStatus[];

type ChangeCommand =
  | 'assign'
  | 'assess'
  | 'request-approval'
  | 'approve'
  | 'reject'
  | 'delegate'
  | 'start-implementation'
  | 'complete'
  | 'close'
  | 'cancel'
  | 'comment'
  | 'update';

const common: Omit<Record<ChangeCommand, Transition<ChangeStatus>>, 'assess' | 'request-approval'> = {
  assign: { from: OPEN },
  // A decision's status follows from the round (approved: scheduled; rejected: rejected), decided in the workflow.
  approve: { from: ['authorize'] },
  reject: { from: ['authorize'] },
  delegate: { from: ['authorize'] },
  'start-implementation': { from: ['scheduled'], to: 'implement' },
  complete: { from: ['implement'], to: 'review' },
  close: { from: ['review'], to: 'closed' },
  cancel: { from: BEFORE_IMPLEMENTATION, to: 'cancelled' },
  comment: { from: OPEN },
  update: { from: ['new', 'assess'] },
};

export const CHANGE_FINAL_STATUSES = ['closed', 'rejected', 'cancelled'] as const satisfies readonly ChangeStatus[];
const terminal = CHANGE_FINAL_STATUSES;

export const CHANGE_LIFECYCLES = {
  normal: defineLifecycle({
    statuses: CHANGE_STATUSES,
    terminal,
    transitions: { ...common, assess: { from: ['new', 'assess'], to: 'assess' }, 'request-approval': { from: ['assess'], to: 'authorize' } },
  }),
  // The emergency board may be asked at once; an assessment, if there is time, is welcome.
  emergency: defineLifecycle({
    statuses: CHANGE_STATUSES,
    terminal,
    transitions: { ...common, assess: { from: ['new', 'assess'], to: 'assess' }, 'request-approval': { from: ['new', 'assess'], to: 'authorize' } },
  }),
  // Pre-approved: it opens scheduled, and neither assessment nor approval applies.
  standard: defineLifecycle({
    statuses: CHANGE_STATUSES,
    terminal,
    transitions: { ...common, assess: { from: [] }, 'request-approval': { from: [] } },
  }),
};

export const CHANGE_COMMANDS = CHANGE_LIFECYCLES.normal.commands as readonly ChangeCommand[];
export type { ChangeCommand };
