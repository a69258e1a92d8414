import { describe, expect, it } from 'vitest';
import type { FormField } from '../../domain/catalog';
import {
  answersSchema,
  applicableLevels,
  catalogItemSpecSchema,
  costOf,
  DEFAULT_TEXT_LENGTH,
  definitionProblems,
  MAX_APPROVAL_LEVELS,
  MAX_FORM_FIELDS,
  MAX_OPTIONS,
  MAX_PATTERN_LENGTH,
  MAX_PRICE,
  MAX_TASKS,
  MAX_TEXT_LENGTH,
  nestsRepetition,
} from '../../domain/catalogForm';

/** The issues of a parse as `path: message` pairs' paths, or [] when it passed. */
function issuePaths(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[] }[] } } }, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error!.issues.map((i) => i.path.map(String).join('.'));
}
const specPaths = (value: Record<string, unknown>) => issuePaths(catalogItemSpecSchema, value);
const messageAt = (value: Record<string, unknown>, path: string) => {
  const result = catalogItemSpecSchema.safeParse(value);
  return result.error?.issues.find((i) => i.path.join('.') === path)?.message;
};

const text = (key: string, extra: Partial<FormField> = {}) => ({ key, label: key, type: 'text', ...extra });
const task = (key: string, after: string[] = [], team = 'desk') => ({ key, title: `Do ${key}`, team, after });

describe('catalogItemSpecSchema: the definition of an item', () => {
  it('defaults every part: an item may be a plain offer with nothing to answer, approve or do', () => {
    expect(catalogItemSpecSchema.parse({})).toEqual({ form: [], approvals: [], costField: null, price: null, tasks: [], taskOrder: 'parallel' });
  });

  it('keeps a full definition, trimmed and defaulted (required false, rule any, no instructions, no waits)', () => {
    const parsed = catalogItemSpecSchema.parse({
      form: [
        { key: 'model', label: '  Model ', type: 'select', required: true, options: ['13"', '15"'] },
        { key: 'memory_gb', label: 'Memory', type: 'number', min: 8, max: 64, help: ' in GB ' },
        { key: 'reason', label: 'Why', type: 'textarea', maxLength: 500 },
        { key: 'tag', label: 'Asset tag', type: 'text', pattern: '[A-Z]{2}\\d{4}' },
      ],
      approvals: [
        { approver: { kind: 'manager' } },
        { approver: { kind: 'team', team: ' finance ' }, rule: { kind: 'quorum', count: 2 }, minimumCost: 1000 },
      ],
      costField: 'memory_gb',
      price: 1299.5,
      tasks: [task('order'), { ...task('install', ['order']), instructions: ' Image it ' }],
      taskOrder: 'sequential',
    });
    expect(parsed).toEqual({
      form: [
        { key: 'model', label: 'Model', type: 'select', required: true, options: ['13"', '15"'] },
        { key: 'memory_gb', label: 'Memory', type: 'number', required: false, min: 8, max: 64, help: 'in GB' },
        { key: 'reason', label: 'Why', type: 'textarea', required: false, maxLength: 500 },
        { key: 'tag', label: 'Asset tag', type: 'text', required: false, pattern: '[A-Z]{2}\\d{4}' },
      ],
      approvals: [
        { approver: { kind: 'manager' }, rule: { kind: 'any' } },
        { approver: { kind: 'team', team: 'finance' }, rule: { kind: 'quorum', count: 2 }, minimumCost: 1000 },
      ],
      costField: 'memory_gb',
      price: 1299.5,
      tasks: [
        { key: 'order', title: 'Do order', team: 'desk', instructions: '', after: [] },
        { key: 'install', title: 'Do install', team: 'desk', instructions: 'Image it', after: ['order'] },
      ],
      taskOrder: 'sequential',
    });
    // Absent optional properties stay absent (the stored JSON holds no nulls for them).
    expect(Object.keys(parsed.form[0]!)).not.toContain('min');
  });

  it('refuses unknown properties, at every level', () => {
    expect(specPaths({ colour: 'red' })).toEqual(['']);
    expect(specPaths({ form: [{ ...text('a'), placeholder: 'x' }] })).toEqual(['form.0']);
    expect(specPaths({ approvals: [{ approver: { kind: 'manager', team: 'x' } }] })).toEqual(['approvals.0.approver']);
    expect(specPaths({ tasks: [{ ...task('a'), due: 1 }] })).toEqual(['tasks.0']);
  });

  describe('form fields', () => {
    it('takes keys of a lower-case letter then up to 39 letters, digits or underscores', () => {
      for (const key of ['a', 'cost_centre', 'x9', `a${'b'.repeat(39)}`]) expect(specPaths({ form: [text(key)] }), key).toEqual([]);
      for (const key of ['', 'A', '9a', '_a', 'a-b', 'a b', 'é', `a${'b'.repeat(40)}`, 'cost\n']) expect(specPaths({ form: [text(key, { label: 'Key' })] }), key).toEqual(['form.0.key']);
    });

    it('refuses a key used twice, naming the repeat', () => {
      expect(specPaths({ form: [text('a'), text('b'), text('a')] })).toEqual(['form.2.key']);
      expect(messageAt({ form: [text('a'), text('b'), text('a')] }, 'form.2.key')).toMatch(/form\.0/);
    });

    it('needs a label and a known type; required is a boolean', () => {
      expect(specPaths({ form: [{ key: 'a', type: 'text' }] })).toEqual(['form.0.label']);
      expect(specPaths({ form: [text('a', { label: '   ' })] })).toEqual(['form.0.label']);
      expect(specPaths({ form: [text('a', { label: 'x'.repeat(201) })] })).toEqual(['form.0.label']);
      expect(specPaths({ form: [text('a', { type: 'file' as never })] })).toEqual(['form.0.type']);
      expect(specPaths({ form: [text('a', { required: 'yes' as never })] })).toEqual(['form.0.required']);
      expect(specPaths({ form: [text('a', { label: 'nul\u0000' })] })).toEqual(['form.0.label']);
    });

    it('gives select and multiselect fields 1 to 100 unique options, and no other type any', () => {
      const choice = (type: string, options?: unknown) => ({ form: [{ key: 'c', label: 'C', type, options }] });
      for (const type of ['select', 'multiselect']) {
        expect(specPaths(choice(type, ['a']))).toEqual([]);
        expect(specPaths(choice(type, Array.from({ length: MAX_OPTIONS }, (_, i) => `o${i}`)))).toEqual([]);
        expect(specPaths(choice(type))).toEqual(['form.0.options']);
        expect(specPaths(choice(type, []))).toEqual(['form.0.options']);
        expect(specPaths(choice(type, Array.from({ length: MAX_OPTIONS + 1 }, (_, i) => `o${i}`)))).toEqual(['form.0.options']);
        expect(specPaths(choice(type, ['a', 'b', 'a', 'b']))).toEqual(['form.0.options.2', 'form.0.options.3']);
        expect(specPaths(choice(type, ['a', ' a ']))).toEqual(['form.0.options.1']);
        expect(specPaths(choice(type, ['a', ' ']))).toEqual(['form.0.options.1']);
      }
      for (const type of ['text', 'textarea', 'number', 'boolean', 'date', 'email']) expect(specPaths(choice(type, ['a'])), type).toEqual(['form.0.options']);
      expect(messageAt(choice('text', ['a']), 'form.0.options')).toMatch(/only select and multiselect/);
    });

    it('bounds numbers with min ≤ max, on number fields only', () => {
      const number = (extra: Partial<FormField>) => ({ form: [{ key: 'n', label: 'N', type: 'number', ...extra }] });
      expect(specPaths(number({ min: -5, max: 5 }))).toEqual([]);
      expect(specPaths(number({ min: 5, max: 5 }))).toEqual([]);
      expect(specPaths(number({ min: 0.5 }))).toEqual([]);
      expect(specPaths(number({ min: 6, max: 5 }))).toEqual(['form.0.max']);
      expect(specPaths(number({ min: '1' as never }))).toEqual(['form.0.min']);
      expect(specPaths({ form: [text('t', { min: 1 })] })).toEqual(['form.0.min']);
      expect(specPaths({ form: [{ key: 'd', label: 'D', type: 'date', max: 1 }] })).toEqual(['form.0.max']);
    });

    it('bounds text with maxLength 1 to 10000, on text and textarea only', () => {
      expect(specPaths({ form: [text('t', { maxLength: 1 }), text('u', { type: 'textarea', maxLength: MAX_TEXT_LENGTH })] })).toEqual([]);
      for (const maxLength of [0, MAX_TEXT_LENGTH + 1, 2.5, -1]) expect(specPaths({ form: [text('t', { maxLength })] }), String(maxLength)).toEqual(['form.0.maxLength']);
      expect(specPaths({ form: [{ key: 'n', label: 'N', type: 'number', maxLength: 3 }] })).toEqual(['form.0.maxLength']);
    });

    it('takes patterns that compile, are bounded in length and cannot backtrack for ages', () => {
      const withPattern = (pattern: string, type = 'text') => ({ form: [text('t', { pattern, type: type as never })] });
      for (const pattern of ['[A-Z]{2}\\d{6}', '(\\d{3}-)*\\d{4}', '\\p{L}+', '(?<area>\\d{3})-\\d{4}', 'a|b', '[(+]+x']) expect(specPaths(withPattern(pattern)), pattern).toEqual([]);
      expect(specPaths(withPattern('x+', 'textarea'))).toEqual([]);
      for (const pattern of ['(', '[a-', 'a{2', '\\', '(?<n>a)\\k<m>', '']) expect(specPaths(withPattern(pattern)), pattern).toEqual(['form.0.pattern']);
      expect(messageAt(withPattern('('), 'form.0.pattern')).toMatch(/not a valid regular expression/);
      expect(specPaths(withPattern('a'.repeat(MAX_PATTERN_LENGTH)))).toEqual([]);
      expect(specPaths(withPattern('a'.repeat(MAX_PATTERN_LENGTH + 1)))).toEqual(['form.0.pattern']);
      for (const pattern of ['(a+)+$', '(\\w|\\d)*x', '([a-z]+\\s?)*!', '(?:a*){2,}', '((ab)+c)+']) {
        expect(specPaths(withPattern(pattern)), pattern).toEqual(['form.0.pattern']);
        expect(messageAt(withPattern(pattern), 'form.0.pattern')).toMatch(/exponential/);
      }
      expect(specPaths({ form: [{ key: 'n', label: 'N', type: 'number', pattern: '\\d+' }] })).toEqual(['form.0.pattern']);
    });

    it('takes at most 100 fields', () => {
      const fields = (n: number) => Array.from({ length: n }, (_, i) => text(`f${i}`));
      expect(specPaths({ form: fields(MAX_FORM_FIELDS) })).toEqual([]);
      expect(specPaths({ form: fields(MAX_FORM_FIELDS + 1) })).toEqual(['form']);
    });
  });

  describe('approval levels', () => {
    it('names a team by name (its existence is the API’s to check) or the manager, each with a rule', () => {
      expect(specPaths({ approvals: [{ approver: { kind: 'team', team: 'dba' }, rule: { kind: 'all' } }] })).toEqual([]);
      expect(specPaths({ approvals: [{ approver: { kind: 'team' } }] })).toEqual(['approvals.0.approver.team']);
      expect(specPaths({ approvals: [{ approver: { kind: 'team', team: ' ' } }] })).toEqual(['approvals.0.approver.team']);
      expect(specPaths({ approvals: [{ approver: { kind: 'board' } }] })).toEqual(['approvals.0.approver.kind']);
      expect(specPaths({ approvals: [{ approver: { kind: 'manager' }, rule: { kind: 'quorum', count: 0 } }] })).toEqual(['approvals.0.rule.count']);
      expect(specPaths({ approvals: [{ approver: { kind: 'manager' }, rule: { kind: 'most' } }] })).toEqual(['approvals.0.rule.kind']);
      expect(specPaths({ approvals: [{}] })).toEqual(['approvals.0.approver']);
    });

    it('takes a minimum cost of at least 0, with 2 decimals', () => {
      const level = (minimumCost: unknown) => ({ approvals: [{ approver: { kind: 'manager' } }, { approver: { kind: 'team', team: 'cfo' }, minimumCost }] });
      for (const ok of [0, 0.01, 1000, 19.99, MAX_PRICE]) expect(specPaths(level(ok)), String(ok)).toEqual([]);
      for (const bad of [-0.01, 0.001, 1.005, MAX_PRICE + 1, '100', null]) expect(specPaths(level(bad)), String(bad)).toEqual(['approvals.1.minimumCost']);
    });

    it('takes at most 5 levels', () => {
      const levels = (n: number) => Array.from({ length: n }, () => ({ approver: { kind: 'manager' } }));
      expect(specPaths({ approvals: levels(MAX_APPROVAL_LEVELS) })).toEqual([]);
      expect(specPaths({ approvals: levels(MAX_APPROVAL_LEVELS + 1) })).toEqual(['approvals']);
    });
  });

  describe('cost', () => {
    it('takes a cost field naming a number field of the form', () => {
      const form = [text('reason'), { key: 'amount', label: 'Amount', type: 'number' }];
      expect(specPaths({ form, costField: 'amount' })).toEqual([]);
      expect(specPaths({ form, costField: 'reason' })).toEqual(['costField']);
      expect(messageAt({ form, costField: 'reason' }, 'costField')).toMatch(/text field/);
      expect(specPaths({ form, costField: 'missing' })).toEqual(['costField']);
      expect(specPaths({ costField: 'amount' })).toEqual(['costField']);
      expect(new Set(specPaths({ form, costField: 'Amount!' }))).toEqual(new Set(['costField']));
    });

    it('takes a price of at least 0 with 2 decimals, or none', () => {
      for (const price of [0, 12.5, 0.29, 999.99, MAX_PRICE, null]) expect(specPaths({ price }), String(price)).toEqual([]);
      for (const price of [-1, 0.125, MAX_PRICE + 0.01, 1e15, '10']) expect(specPaths({ price }), String(price)).toEqual(['price']);
    });
  });

  describe('tasks', () => {
    it('needs a key, title and team; instructions are bounded', () => {
      expect(specPaths({ tasks: [{ key: 'a', title: 'A' }] })).toEqual(['tasks.0.team']);
      expect(specPaths({ tasks: [{ ...task('a'), title: '' }] })).toEqual(['tasks.0.title']);
      expect(specPaths({ tasks: [{ ...task('a'), key: 'A' }] })).toEqual(['tasks.0.key']);
      expect(specPaths({ tasks: [{ ...task('a'), instructions: 'x'.repeat(10_001) }] })).toEqual(['tasks.0.instructions']);
    });

    it('refuses a key used twice, and a wait named twice', () => {
      expect(specPaths({ tasks: [task('a'), task('a')] })).toEqual(['tasks.1.key']);
      expect(specPaths({ tasks: [task('a'), task('b', ['a', 'a'])] })).toEqual(['tasks.1.after.1']);
    });

    it('waits only for other tasks of the item', () => {
      expect(specPaths({ tasks: [task('a'), task('b', ['a'])] })).toEqual([]);
      expect(specPaths({ tasks: [task('a'), task('b', ['c'])] })).toEqual(['tasks.1.after.0']);
      expect(messageAt({ tasks: [task('a'), task('b', ['c'])] }, 'tasks.1.after.0')).toMatch(/names no task/);
      expect(specPaths({ tasks: [task('a', ['a'])] })).toEqual(['tasks.0.after.0']);
      expect(messageAt({ tasks: [task('a', ['a'])] }, 'tasks.0.after.0')).toMatch(/itself/);
    });

    it('refuses cycles in parallel order, naming the wait that closes each', () => {
      const two = { tasks: [task('a', ['b']), task('b', ['a'])] };
      expect(specPaths(two)).toEqual(['tasks.1.after.0']);
      expect(messageAt(two, 'tasks.1.after.0')).toBe('closes a cycle: a after b after a');
      const three = { tasks: [task('a'), task('b', ['a', 'd']), task('c', ['b']), task('d', ['c'])] };
      expect(specPaths(three)).toEqual(['tasks.2.after.0']);
      expect(messageAt(three, 'tasks.2.after.0')).toBe('closes a cycle: b after d after c after b');
      // A diamond is no cycle.
      expect(specPaths({ tasks: [task('a'), task('b', ['a']), task('c', ['a']), task('d', ['b', 'c'])] })).toEqual([]);
      expect(specPaths({ tasks: [task('d', ['b', 'c']), task('c', ['a']), task('b', ['a']), task('a')] })).toEqual([]);
    });

    it('in sequential order, waits only for earlier tasks (each already waits for those before it)', () => {
      expect(specPaths({ taskOrder: 'sequential', tasks: [task('a'), task('b'), task('c', ['a'])] })).toEqual([]);
      expect(specPaths({ taskOrder: 'sequential', tasks: [task('a', ['b']), task('b')] })).toEqual(['tasks.0.after.0']);
      expect(specPaths({ taskOrder: 'parallel', tasks: [task('a', ['b']), task('b')] })).toEqual([]);
      expect(specPaths({ taskOrder: 'random' })).toEqual(['taskOrder']);
    });

    it('takes at most 50 tasks', () => {
      const tasks = (n: number) => Array.from({ length: n }, (_, i) => task(`t${i}`, i ? [`t${i - 1}`] : []));
      expect(specPaths({ tasks: tasks(MAX_TASKS) })).toEqual([]);
      expect(specPaths({ tasks: tasks(MAX_TASKS + 1) })).toEqual(['tasks']);
    });
  });

  it('definitionProblems checks a whole definition put together from parts (a PATCH of some)', () => {
    const definition = catalogItemSpecSchema.parse({ form: [{ key: 'amount', label: 'Amount', type: 'number' }], costField: 'amount', tasks: [task('a')] });
    expect(definitionProblems(definition)).toEqual([]);
    expect(definitionProblems({ ...definition, form: [] })).toEqual([{ path: ['costField'], message: expect.stringMatching(/names no field/) }]);
    expect(definitionProblems({ ...definition, tasks: [...definition.tasks, { ...definition.tasks[0]!, after: ['a'] }] })).toEqual([
      { path: ['tasks', 1, 'key'], message: expect.any(String) },
      { path: ['tasks', 1, 'after', 0], message: expect.stringMatching(/itself/) },
    ]);
  });
});

describe('nestsRepetition', () => {
  it('finds a repeated group that repeats without bound or alternates inside, and nothing else', () => {
    for (const risky of ['(a+)+', '(a*)*', '(a+){2}', '(a+){1,}', '(a|b)+', '(?:x(y)*z)+', '(?<n>a+)*', '((a)+)*?']) expect(nestsRepetition(risky), risky).toBe(true);
    for (const safe of ['a+b+', '(a+)', '(a+)?', '(a+){1}', '(a+){0,1}', '(ab){3}+', '(a{2})+', '\\(a+\\)+', '[(a+)]+', '(?=a+)b', '(a|b)', '(a)|(b)+', '[\\]+(]+']) expect(nestsRepetition(safe), safe).toBe(false);
  });
});

describe('answersSchema: an order’s answers to a form', () => {
  const form: FormField[] = [
    { key: 'name', label: 'Name', type: 'text', required: true, maxLength: 20 },
    { key: 'tag', label: 'Tag', type: 'text', required: false, pattern: '[A-Z]{2}\\d{2}' },
    { key: 'notes', label: 'Notes', type: 'textarea', required: false },
    { key: 'count', label: 'Count', type: 'number', required: true, min: 1, max: 10 },
    { key: 'urgent', label: 'Urgent', type: 'boolean', required: false },
    { key: 'model', label: 'Model', type: 'select', required: true, options: ['small', 'large'] },
    { key: 'extras', label: 'Extras', type: 'multiselect', required: false, options: ['bag', 'mouse', 'dock'] },
    { key: 'needed_by', label: 'Needed by', type: 'date', required: false },
    { key: 'contact', label: 'Contact', type: 'email', required: false },
  ];
  const schema = answersSchema(form);
  const minimal = { name: 'Ada', count: 2, model: 'small' };
  const paths = (answers: Record<string, unknown>) => issuePaths(schema, answers);

  it('takes every type of answer, trimming text and lower-casing emails', () => {
    const full = { ...minimal, name: ' Ada ', tag: 'AB12', notes: 'two\nlines', urgent: false, extras: ['dock', 'bag'], needed_by: '2024-02-29', contact: 'Ada@Example.com' };
    expect(schema.parse(full)).toEqual({ ...full, name: 'Ada', contact: 'ada@example.com' });
    expect(schema.parse(minimal)).toEqual(minimal);
  });

  it('needs the required answers and refuses answers to no field of the form', () => {
    expect(paths({})).toEqual(['name', 'count', 'model']);
    expect(paths({ ...minimal, name: '   ' })).toEqual(['name']);
    expect(paths({ ...minimal, colour: 'red' })).toEqual(['']);
    expect(schema.safeParse({ ...minimal, colour: 'red' }).error!.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['colour'] });
    expect(paths({ ...minimal, name: null })).toEqual(['name']);
    expect(paths({ ...minimal, urgent: null })).toEqual(['urgent']);
  });

  it('bounds text by maxLength, or by 4000 characters without one, and refuses what cannot be stored', () => {
    expect(paths({ ...minimal, name: 'x'.repeat(20) })).toEqual([]);
    expect(paths({ ...minimal, name: 'x'.repeat(21) })).toEqual(['name']);
    expect(paths({ ...minimal, notes: 'x'.repeat(DEFAULT_TEXT_LENGTH) })).toEqual([]);
    expect(paths({ ...minimal, notes: 'x'.repeat(DEFAULT_TEXT_LENGTH + 1) })).toEqual(['notes']);
    expect(paths({ ...minimal, notes: 'nul\u0000' })).toEqual(['notes']);
    expect(paths({ ...minimal, notes: 'lone \ud800' })).toEqual(['notes']);
    expect(paths({ ...minimal, notes: 42 })).toEqual(['notes']);
  });

  it('matches a pattern against the whole answer; an optional field may be left empty', () => {
    expect(paths({ ...minimal, tag: 'ZZ99' })).toEqual([]);
    for (const tag of ['ab12', 'AB123', 'xAB12', 'AB1']) expect(paths({ ...minimal, tag }), tag).toEqual(['tag']);
    expect(paths({ ...minimal, tag: '' })).toEqual([]);
    expect(paths({ ...minimal, tag: ' AB12 ' })).toEqual([]);
    // Alternatives are anchored as a whole, not one by one.
    const either = answersSchema([{ key: 'code', label: 'Code', type: 'text', required: true, pattern: 'a|b' }]);
    expect(either.safeParse({ code: 'a' }).success).toBe(true);
    expect(either.safeParse({ code: 'ab' }).success).toBe(false);
    expect(either.safeParse({ code: 'xa' }).success).toBe(false);
  });

  it('bounds numbers, and takes only numbers', () => {
    expect(paths({ ...minimal, count: 1 })).toEqual([]);
    expect(paths({ ...minimal, count: 10 })).toEqual([]);
    for (const count of [0, 11, Infinity, NaN, '2', null]) expect(paths({ ...minimal, count }), String(count)).toEqual(['count']);
    const unbounded = answersSchema([{ key: 'n', label: 'N', type: 'number', required: true }]);
    expect(unbounded.safeParse({ n: -1e9 }).success).toBe(true);
  });

  it('takes booleans only as booleans', () => {
    expect(paths({ ...minimal, urgent: true })).toEqual([]);
    expect(paths({ ...minimal, urgent: 'true' })).toEqual(['urgent']);
    const required = answersSchema([{ key: 'agree', label: 'Agree', type: 'boolean', required: true }]);
    expect(required.safeParse({ agree: false }).success).toBe(true);
    expect(issuePaths(required, {})).toEqual(['agree']);
  });

  it('takes one of the options for a select, and distinct options for a multiselect', () => {
    expect(paths({ ...minimal, model: 'huge' })).toEqual(['model']);
    expect(paths({ ...minimal, model: 'Small' })).toEqual(['model']);
    expect(paths({ ...minimal, model: ['small'] })).toEqual(['model']);
    expect(paths({ ...minimal, extras: [] })).toEqual([]);
    expect(paths({ ...minimal, extras: ['bag', 'pen'] })).toEqual(['extras.1']);
    expect(paths({ ...minimal, extras: ['bag', 'dock', 'bag'] })).toEqual(['extras.2']);
    expect(paths({ ...minimal, extras: 'bag' })).toEqual(['extras']);
    const required = answersSchema([{ key: 'pick', label: 'Pick', type: 'multiselect', required: true, options: ['a', 'b'] }]);
    expect(issuePaths(required, { pick: [] })).toEqual(['pick']);
    expect(issuePaths(required, { pick: ['b', 'a'] })).toEqual([]);
  });

  it('takes real dates as YYYY-MM-DD, and emails', () => {
    for (const ok of ['2025-01-31', '2024-02-29', '2000-02-29']) expect(paths({ ...minimal, needed_by: ok }), ok).toEqual([]);
    for (const bad of ['2025-02-29', '1900-02-29', '2025-13-01', '2025-04-31', '2025-1-5', '2025-01-05T10:00:00Z', '05/01/2025', 20250105]) {
      expect(paths({ ...minimal, needed_by: bad }), String(bad)).toEqual(['needed_by']);
    }
    expect(paths({ ...minimal, contact: 'not an email' })).toEqual(['contact']);
    expect(paths({ ...minimal, contact: `${'a'.repeat(250)}@x.io` })).toEqual(['contact']);
  });

  it('of an empty form, takes only no answers', () => {
    expect(answersSchema([]).parse({})).toEqual({});
    expect(issuePaths(answersSchema([]), { anything: 1 })).toEqual(['']);
  });
});

describe('costOf and applicableLevels', () => {
  it('costs an order the answer to the cost field, else the price, else 0', () => {
    expect(costOf({ costField: 'amount', price: 10 }, { amount: 2500 })).toBe(2500);
    expect(costOf({ costField: 'amount', price: 10 }, { amount: 0 })).toBe(0);
    expect(costOf({ costField: 'amount', price: 10 }, {})).toBe(10);
    expect(costOf({ costField: 'amount', price: null }, {})).toBe(0);
    expect(costOf({ costField: null, price: 99.99 }, { amount: 2500 })).toBe(99.99);
    expect(costOf({ costField: null, price: null }, {})).toBe(0);
  });

  it('applies the levels without a minimum cost, and those whose minimum the cost reaches, in order', () => {
    const levels = [
      { approver: { kind: 'manager' as const }, rule: { kind: 'any' as const } },
      { approver: { kind: 'team' as const, team: 'finance' }, rule: { kind: 'any' as const }, minimumCost: 1000 },
      { approver: { kind: 'team' as const, team: 'cfo' }, rule: { kind: 'all' as const }, minimumCost: 0 },
    ];
    expect(applicableLevels(levels, 999.99)).toEqual([levels[0], levels[2]]);
    expect(applicableLevels(levels, 1000)).toEqual(levels);
    expect(applicableLevels(levels, -5)).toEqual([levels[0]]);
    expect(applicableLevels([], 10)).toEqual([]);
  });
});
