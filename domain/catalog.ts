import type { ApprovalRule } from './approvals';

/**
 * The service catalog's vocabulary: what an item asks (its form, as data),
 * who approves an order of it, and the tasks that fulfil it. Items are
 * configuration (PostgreSQL); a request snapshots what it needs of its item
 * when it is submitted, so later edits never change a running request.
 */
export const FIELD_TYPES = ['text', 'textarea', 'number', 'boolean', 'select', 'multiselect', 'date', 'email'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface FormField {
  /** The answer's name: letters, digits and underscores, unique in the form. */
  key: string;
  label: string;
  type: FieldType;
  required: boolean;
  /** select and multiselect: the choices. */
  options?: string[];
  /** number: bounds. */
  min?: number;
  max?: number;
  /** text and textarea: the longest answer. */
  maxLength?: number;
  /** text: a regular expression the whole answer must match. */
  pattern?: string;
  help?: string;
}

/** Who approves one level: the requester's manager, or a named team (by its rule). */
export type ApproverSpec = { kind: 'manager' } | { kind: 'team'; team: string };

export interface ApprovalLevel {
  approver: ApproverSpec;
  rule: ApprovalRule;
  /** The level applies only to orders costing at least this much (a second level above a threshold). */
  minimumCost?: number;
}

export interface TaskTemplate {
  /** Unique in the item. */
  key: string;
  title: string;
  team: string;
  instructions: string;
  /** Keys of the tasks that must complete first. */
  after: string[];
}

export const TASK_ORDERS = ['sequential', 'parallel'] as const;
export type TaskOrder = (typeof TASK_ORDERS)[number];

export interface CatalogItemSpec {
  name: string;
  category: string;
  description: string;
  form: FormField[];
  approvals: ApprovalLevel[];
  /** An order's cost: the answer to this number field, else the item's price, else 0. */
  costField: string | null;
  price: number | null;
  tasks: TaskTemplate[];
  /** sequential: each task after the one before; parallel: all at once, but for their `after`. */
  taskOrder: TaskOrder;
}
