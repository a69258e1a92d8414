import { z } from 'zod';
import { approvalRuleSchema } from './approvals';
import { FIELD_TYPES, TASK_ORDERS, type ApprovalLevel, type CatalogItemSpec, type FieldType, type FormField, type TaskTemplate } from './catalog';
import { LIMITS } from './incident';
import { requiredText, storableString } from './text';

/**
 * A catalog item's definition as data, checked: the form an order answers,
 * who approves it, what it costs and the tasks that fulfil it; and the zod
 * schema of an order's answers, built from the form. Pure (plain zod, no Node
 * APIs), so the API and the request workflows judge answers alike.
 */

export const MAX_FORM_FIELDS = 100;
export const MAX_OPTIONS = 100;
export const MAX_APPROVAL_LEVELS = 5;
export const MAX_TASKS = 50;
export const MAX_PATTERN_LENGTH = 500;
/** The longest text answer a field may allow (maxLength). */
export const MAX_TEXT_LENGTH = LIMITS.description;
/** The longest text answer of a field that sets no maxLength: every answer is bounded. */
export const DEFAULT_TEXT_LENGTH = LIMITS.text;
/** What `numeric(14, 2)` holds: prices and cost thresholds. */
export const MAX_PRICE = 999_999_999_999.99;
export const FIELD_KEY_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

/** The parts of an item an admin defines beyond its name, category, description and SLA. */
export type CatalogDefinition = Pick<CatalogItemSpec, 'form' | 'approvals' | 'costField' | 'price' | 'tasks' | 'taskOrder'>;

/** A validation problem: where (`form.2.options`) and why. */
export interface DefinitionProblem {
  path: (string | number)[];
  message: string;
}

const key = (what: string) =>
  z.string().regex(FIELD_KEY_PATTERN, `${what}: a lower-case letter, then up to 39 lower-case letters, digits or underscores`);

const TEXT_TYPES: readonly FieldType[] = ['text', 'textarea'];
const CHOICE_TYPES: readonly FieldType[] = ['select', 'multiselect'];

/** Where a class `[…]` opened at `start` closes (patterns are compiled with the `u` flag, so classes do not nest). */
function classEnd(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern[i] === '^') i++;
  while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
  return i;
}

const QUANTIFIER = /^(?:[*+?]|\{(\d+)(,(\d*))?\})/;

/**
 * Whether a pattern repeats a group that itself repeats without bound or
 * holds alternatives, as `(a+)+` or `(\w|\d)*`: on an answer that nearly
 * matches, such a pattern can backtrack for ages, in the API or in a
 * workflow task. Bounded repeats inside a repeat (`(\d{3}-)*`) are fine.
 */
export function nestsRepetition(pattern: string): boolean {
  // Per open group: whether it repeats without bound or alternates inside.
  const risky: boolean[] = [false];
  // Whether the atom just read is a group, and a risky one: what a quantifier right after it would repeat.
  let lastGroup = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const quantifier = QUANTIFIER.exec(pattern.slice(i));
    if (quantifier) {
      const unbounded = c === '*' || c === '+' || (quantifier[2] !== undefined && quantifier[3] === '');
      const repeats = unbounded || (c === '{' && Number(quantifier[3] || quantifier[1]) > 1);
      if (lastGroup && repeats) return true;
      if (unbounded) risky[risky.length - 1] = true;
      i += quantifier[0].length - 1;
      if (pattern[i + 1] === '?') i++; // lazy
      lastGroup = false;
      continue;
    }
    lastGroup = false;
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(pattern, i);
    else if (c === '|') risky[risky.length - 1] = true;
    else if (c === '(') {
      risky.push(false);
      // (?: (?= (?! (?<= (?<! (?<name>: the group's kind is no quantifier.
      if (pattern[i + 1] === '?') i = pattern[i + 2] === '<' && !'=!'.includes(pattern[i + 3] ?? '') ? pattern.indexOf('>', i) : i + (pattern[i + 2] === '<' ? 3 : 2);
    } else if (c === ')') {
      lastGroup = risky.pop()!;
      if (lastGroup) risky[risky.length - 1] = true;
    }
  }
  return false;
}

/** Why `pattern` cannot be a field's pattern, or null: it must compile (with the `u` flag) and not nest repetition. */
function patternProblem(pattern: string): string | null {
  try {
    new RegExp(pattern, 'u');
  } catch (error) {
    return `not a valid regular expression: ${(error as Error).message}`;
  }
  return nestsRepetition(pattern) ? 'repeats a group that repeats or alternates inside, as (a+)+ or (a|b)*: it could take exponential time' : null;
}

/** The index of each value already seen earlier in `values`: duplicates, by where they repeat. */
function repeats<T>(values: readonly T[]): { index: number; first: number }[] {
  const seen = new Map<T, number>();
  const found: { index: number; first: number }[] = [];
  values.forEach((value, index) => {
    const first = seen.get(value);
    if (first === undefined) seen.set(value, index);
    else found.push({ index, first });
  });
  return found;
}

/** What a field's type allows: options for choices, bounds for numbers, length and pattern for text. */
function fieldProblems(field: FormField): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const only = (property: keyof FormField, types: readonly FieldType[]) => {
    if (field[property] !== undefined && !types.includes(field.type)) problems.push({ path: [property], message: `only ${types.join(' and ')} fields have ${property}` });
  };
  only('options', CHOICE_TYPES);
  only('min', ['number']);
  only('max', ['number']);
  only('maxLength', TEXT_TYPES);
  only('pattern', TEXT_TYPES);
  if (CHOICE_TYPES.includes(field.type) && field.options === undefined) problems.push({ path: ['options'], message: `a ${field.type} field needs its options` });
  for (const { index, first } of repeats(field.options ?? [])) problems.push({ path: ['options', index], message: `repeats option ${first}` });
  if (field.min !== undefined && field.max !== undefined && field.min > field.max) problems.push({ path: ['max'], message: 'is below min' });
  if (field.pattern !== undefined) {
    const problem = patternProblem(field.pattern);
    if (problem) problems.push({ path: ['pattern'], message: problem });
  }
  return problems;
}

const addProblems = (problems: DefinitionProblem[], ctx: z.RefinementCtx) => {
  for (const { path, message } of problems) ctx.addIssue({ code: 'custom', path, message });
};

export const formFieldSchema = z
  .strictObject({
    key: key('the answer’s name'),
    label: requiredText(LIMITS.title),
    type: z.enum(FIELD_TYPES),
    required: z.boolean().default(false),
    options: z.array(requiredText(LIMITS.name)).min(1).max(MAX_OPTIONS).optional().meta({ description: 'select and multiselect: the choices, no repeats' }),
    min: z.number().optional().meta({ description: 'number: the smallest answer' }),
    max: z.number().optional().meta({ description: 'number: the largest answer, not below min' }),
    maxLength: z.number().int().min(1).max(MAX_TEXT_LENGTH).optional().meta({ description: `text and textarea: the longest answer (${DEFAULT_TEXT_LENGTH} without it)` }),
    pattern: storableString()
      .min(1)
      .max(MAX_PATTERN_LENGTH)
      .optional()
      .meta({ description: 'text and textarea: a regular expression (JavaScript, u flag) every non-empty answer must match whole; no repeated group that repeats or alternates inside' }),
    help: storableString().trim().max(LIMITS.text).optional(),
  })
  .superRefine((field, ctx) => addProblems(fieldProblems(field), ctx))
  .meta({ id: 'CatalogFormField', description: 'A question of a catalog item’s form' }) satisfies z.ZodType<FormField>;

const approverSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('manager') }),
    z.strictObject({ kind: z.literal('team'), team: requiredText(LIMITS.name).meta({ description: 'An existing team, whose members approve by the level’s rule' }) }),
  ])
  .meta({ id: 'CatalogApprover', description: 'Who approves a level: the requester’s manager, or a named team' });

const money = z
  .number()
  .min(0)
  .max(MAX_PRICE)
  .refine((n) => Number(n.toFixed(2)) === n, 'has more than 2 decimals');

export const approvalLevelSchema = z
  .strictObject({
    approver: approverSchema,
    rule: approvalRuleSchema.default({ kind: 'any' }),
    minimumCost: money.optional().meta({ description: 'The level applies only to orders costing at least this much' }),
  })
  .meta({ id: 'CatalogApprovalLevel', description: 'One level of approval of an order' });

export const taskTemplateSchema = z
  .strictObject({
    key: key('the task’s name'),
    title: requiredText(LIMITS.title),
    team: requiredText(LIMITS.name).meta({ description: 'An existing team, to which the task is assigned' }),
    instructions: storableString().trim().max(LIMITS.description).default(''),
    after: z.array(key('a task’s name')).max(MAX_TASKS).default([]).meta({ description: 'Keys of the tasks of the item that must complete first' }),
  })
  .superRefine((task, ctx) => {
    for (const { index, first } of repeats(task.after)) ctx.addIssue({ code: 'custom', path: ['after', index], message: `repeats after.${first}` });
  })
  .meta({ id: 'CatalogTask', description: 'A fulfilment task an order of the item runs' }) satisfies z.ZodType<TaskTemplate>;

/** Each part of a definition as sent, without defaults: a PATCH sends some of them. */
export const catalogDefinitionFields = {
  form: z.array(formFieldSchema).max(MAX_FORM_FIELDS).meta({ description: 'The questions an order answers, keys unique' }),
  approvals: z.array(approvalLevelSchema).max(MAX_APPROVAL_LEVELS).meta({ description: 'The levels of approval, in order; none: orders need no approval' }),
  costField: key('the cost field').nullable().meta({ description: 'A number field of the form whose answer is an order’s cost; null: the price' }),
  price: money.nullable().meta({ description: 'The cost of an order when costField does not give it; 2 decimals' }),
  tasks: z.array(taskTemplateSchema).max(MAX_TASKS).meta({ description: 'The fulfilment tasks, keys unique, dependencies without cycles' }),
  taskOrder: z.enum(TASK_ORDERS).meta({ description: 'sequential: each task after the one before; parallel: all at once but for their after' }),
};

/** Waits of `tasks` that close a cycle, one problem per cycle found (depth-first, in task order). */
function cycleProblems(tasks: readonly TaskTemplate[], index: Map<string, number>): DefinitionProblem[] {
  const problems: DefinitionProblem[] = [];
  const state = new Map<number, 'open' | 'done'>();
  const stack: number[] = [];
  const visit = (t: number) => {
    state.set(t, 'open');
    stack.push(t);
    tasks[t]!.after.forEach((name, j) => {
      const next = index.get(name);
      if (next === undefined || next === t) return;
      if (state.get(next) === 'open') {
        const loop = [...stack.slice(stack.indexOf(next)), next].map((i) => tasks[i]!.key);
        problems.push({ path: ['tasks', t, 'after', j], message: `closes a cycle: ${loop.join(' after ')}` });
      } else if (!state.has(next)) visit(next);
    });
    stack.pop();
    state.set(t, 'done');
  };
  tasks.forEach((_, t) => state.has(t) || visit(t));
  return problems;
}

/** What is wrong across the parts of a definition (each part valid on its own): repeated keys, the cost field, the tasks' order. */
export function definitionProblems(definition: CatalogDefinition): DefinitionProblem[] {
  const { form, costField, tasks, taskOrder } = definition;
  const problems: DefinitionProblem[] = [];
  for (const { index, first } of repeats(form.map((f) => f.key))) problems.push({ path: ['form', index, 'key'], message: `repeats the key of form.${first}` });
  if (costField !== null) {
    const field = form.find((f) => f.key === costField);
    if (!field) problems.push({ path: ['costField'], message: `names no field of the form (${costField})` });
    else if (field.type !== 'number') problems.push({ path: ['costField'], message: `names a ${field.type} field; an order’s cost is the answer to a number field` });
  }
  for (const { index, first } of repeats(tasks.map((t) => t.key))) problems.push({ path: ['tasks', index, 'key'], message: `repeats the key of tasks.${first}` });
  const index = new Map(tasks.map((t, i) => [t.key, i] as const).reverse());
  tasks.forEach((task, t) =>
    task.after.forEach((name, j) => {
      const other = index.get(name);
      const at = ['tasks', t, 'after', j];
      if (name === task.key) problems.push({ path: at, message: 'a task cannot wait for itself' });
      else if (other === undefined) problems.push({ path: at, message: `names no task of the item (${name})` });
      // In sequential order a task already waits for every task before it: waiting for a later one is a cycle.
      else if (taskOrder === 'sequential' && other > t) problems.push({ path: at, message: `waits for ${name}, a later task of a sequential order (which waits for this one)` });
    }),
  );
  if (taskOrder === 'parallel') problems.push(...cycleProblems(tasks, index));
  return problems;
}

/** A catalog item's definition as an admin sends it, each part defaulted (no form, approvals or tasks; no price; parallel tasks) and checked as a whole. */
export const catalogItemSpecSchema = z
  .strictObject({
    form: catalogDefinitionFields.form.default([]),
    approvals: catalogDefinitionFields.approvals.default([]),
    costField: catalogDefinitionFields.costField.default(null),
    price: catalogDefinitionFields.price.default(null),
    tasks: catalogDefinitionFields.tasks.default([]),
    taskOrder: catalogDefinitionFields.taskOrder.default('parallel'),
  })
  .superRefine((definition, ctx) => addProblems(definitionProblems(definition), ctx)) satisfies z.ZodType<CatalogDefinition>;

/** One answer of an order: text, a number, a yes/no, a choice or several. */
export type Answer = string | number | boolean | string[];
export type Answers = Record<string, Answer>;

/** A text answer: trimmed, storable, bounded; required means not blank; a non-empty answer matches the pattern whole. */
function textAnswer(field: FormField): z.ZodType<string> {
  const text = storableString()
    .trim()
    .min(field.required ? 1 : 0, 'is required')
    .max(field.maxLength ?? DEFAULT_TEXT_LENGTH);
  if (field.pattern === undefined) return text;
  const whole = new RegExp(`^(?:${field.pattern})$`, 'u');
  return text.refine((answer) => answer === '' || whole.test(answer), `does not match the pattern ${field.pattern}`);
}

function answerSchema(field: FormField): z.ZodType<Answer> {
  const options = (field.options ?? []) as [string, ...string[]];
  switch (field.type) {
    case 'text':
    case 'textarea':
      return textAnswer(field);
    case 'number': {
      let number = z.number();
      if (field.min !== undefined) number = number.min(field.min);
      if (field.max !== undefined) number = number.max(field.max);
      return number;
    }
    case 'boolean':
      return z.boolean();
    case 'select':
      return z.enum(options);
    case 'multiselect':
      return z
        .array(z.enum(options))
        .min(field.required ? 1 : 0, 'choose at least one')
        .max(options.length)
        .superRefine((chosen, ctx) => {
          for (const { index } of repeats(chosen)) ctx.addIssue({ code: 'custom', path: [index], message: 'chosen twice' });
        });
    case 'date':
      return z.iso.date();
    case 'email':
      return z.email().max(LIMITS.email).transform((e) => e.toLowerCase());
  }
}

/**
 * The schema of an order's answers to `fields`: one property per field,
 * optional unless required; an answer to no field of the form is refused.
 * Issues name the field's key (`laptop_model`, `extras.1` for a multiselect).
 */
export function answersSchema(fields: readonly FormField[]): z.ZodType<Answers> {
  return z.strictObject(Object.fromEntries(fields.map((f) => [f.key, f.required ? answerSchema(f) : answerSchema(f).optional()]))) as z.ZodType<Answers>;
}

/** An order's cost: the answer to the item's cost field when given, else its price, else 0. */
export function costOf(spec: Pick<CatalogItemSpec, 'costField' | 'price'>, answers: Readonly<Record<string, unknown>>): number {
  const answer = spec.costField === null ? undefined : answers[spec.costField];
  return typeof answer === 'number' ? answer : (spec.price ?? 0);
}

/** The levels an order of this cost goes through, in order: those without a minimum cost, and those whose minimum it reaches. */
export function applicableLevels(levels: readonly ApprovalLevel[], cost: number): ApprovalLevel[] {
  return levels.filter((level) => level.minimumCost === undefined || level.minimumCost <= cost);
}
