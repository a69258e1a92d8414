import { randomUUID } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import { parse } from 'csv-parse/sync';
import { createdEntries, lockCisByKey, organizationsMatching, teamsNamed, updatedEntries, upsertCis, type CiState } from '../../../db/cis';
import type { Database } from '../../../db/client';
import { recordHistory, type HistoryEntry } from '../../../db/cmdbHistory';
import { attributeKinds, CI_ATTRIBUTE_SCHEMAS, GENERIC_KEY_PATTERN, mergeAttributes, type AttributeKind } from '../../../domain/ciClasses';
import { CI_CLASSES, type CiClass } from '../../../domain/cmdb';
import { LIMITS } from '../../../domain/incident';
import { requiredText, unstorableAt } from '../../../domain/text';
import { fieldErrors } from '../../openapi';
import { badRequest } from '../../problem';
import { teamNameSchema } from '../../schemas';
import { attributeChangeSchemas, CI_DEFAULTS, ciCriticality, ciDescription, ciName, ciStatus, pascal } from './ciFields';

export const CI_IMPORT_MAX_ROWS = 10_000;
/** Room for the largest import: 10,000 rows of about a kilobyte. */
export const CI_IMPORT_MAX_BYTES = 10 * 1024 * 1024;

const importRowVariant = (ciClass: CiClass) =>
  z
    .strictObject({
      class: z.literal(ciClass),
      name: ciName,
      status: ciStatus.optional(),
      criticality: ciCriticality.optional(),
      organization: requiredText(LIMITS.title).nullable().optional().openapi({ description: 'The owner organization’s id, name or code (tried in that order); null for none' }),
      supportTeam: teamNameSchema.nullable().optional().openapi({ description: 'The supporting team; null for none' }),
      description: ciDescription.optional(),
      attributes: attributeChangeSchemas[ciClass].optional(),
    })
    .openapi(`${pascal(ciClass)}CiImportRow`);

/** One row of an import: what it names is set, what it leaves out is kept (or defaulted on a new CI). */
export const importRowSchema = z
  .discriminatedUnion('class', CI_CLASSES.map(importRowVariant) as [ReturnType<typeof importRowVariant>, ...ReturnType<typeof importRowVariant>[]])
  .openapi('CiImportRow');
type ImportRow = z.infer<typeof importRowSchema>;

export const importBody = <T extends z.ZodType>(row: T) => z.strictObject({ rows: z.array(row).min(1).max(CI_IMPORT_MAX_ROWS) });
const importEnvelope = importBody(z.unknown());

export interface ImportError {
  row: number;
  field: string;
  message: string;
}
/** A row as received, before it is checked, and what was already found wrong with the request's rows. */
export interface Candidates {
  rows: { row: number; value: unknown }[];
  errors: ImportError[];
}

const rowErrors = (row: number, errors: { field: string; message: string }[]): ImportError[] => errors.map((e) => ({ row, ...e }));
const describe = (errors: { field: string; message: string }[]) => errors.map((e) => `${e.field} ${e.message}`).join('; ');

/** The rows of `{ "rows": [...] }`; a body of another shape is a 400, a bad row is that row's failure. */
export function jsonCandidates(body: unknown): Candidates {
  const parsed = importEnvelope.safeParse(body);
  if (!parsed.success) {
    const errors = fieldErrors(parsed.error.issues);
    throw badRequest(`invalid import: ${describe(errors)}`, errors);
  }
  return { rows: parsed.data.rows.map((value, i) => ({ row: i + 1, value })), errors: [] };
}

const FIELD_COLUMNS = ['class', 'name', 'status', 'criticality', 'organization', 'supportTeam', 'description'];
const ATTRIBUTE_COLUMN = /^attributes\.(.+)$/;
/** What an empty cell sets; columns not named here (status, criticality) are left out when empty. */
const EMPTY_CELL: Record<string, unknown> = { class: '', name: '', organization: null, supportTeam: null, description: '' };
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A cell as the attribute's kind wants it; a cell that is not of that kind stays text, for the class schema to name. */
function fromCell(cell: string, kind: AttributeKind): unknown {
  if (kind === 'number') return NUMBER.test(cell) ? Number(cell) : cell;
  if (kind === 'boolean') return /^(true|false)$/i.test(cell) ? cell.toLowerCase() === 'true' : cell;
  if (kind === 'list') return cell.split(';').map((v) => v.trim()).filter(Boolean);
  return cell;
}

function headerProblems(columns: string[]): { field: string; message: string }[] {
  const problems = columns.flatMap((column, i) => {
    const key = ATTRIBUTE_COLUMN.exec(column)?.[1];
    if (columns.indexOf(column) !== i) return [{ field: column, message: 'this column appears twice' }];
    if (key !== undefined) return GENERIC_KEY_PATTERN.test(key) ? [] : [{ field: column, message: 'not an attribute name: a letter, then letters, digits and underscores' }];
    return FIELD_COLUMNS.includes(column) ? [] : [{ field: column, message: `unknown column; the columns are ${FIELD_COLUMNS.join(', ')} and attributes.<key>` }];
  });
  for (const required of ['class', 'name']) if (!columns.includes(required)) problems.push({ field: required, message: 'the header needs this column' });
  return problems;
}

/** One CSV record as an import row: empty cells as EMPTY_CELL says, attribute cells parsed by the kind the row's class gives them. */
function rowFromCells(columns: string[], cells: string[]): Record<string, unknown> {
  const ciClass = cells[columns.indexOf('class')] as CiClass;
  // Null for a generic CI (free attributes, given as text) or a class the row will be refused for anyway.
  const kinds = CI_CLASSES.includes(ciClass) ? attributeKinds(ciClass) : null;
  const value: Record<string, unknown> = {};
  const attributes: Record<string, unknown> = {};
  columns.forEach((column, i) => {
    const cell = cells[i]!;
    const key = ATTRIBUTE_COLUMN.exec(column)?.[1];
    if (key === undefined) {
      if (cell !== '') value[column] = cell;
      else if (column in EMPTY_CELL) value[column] = EMPTY_CELL[column];
    } else if (cell !== '') {
      attributes[key] = fromCell(cell, kinds?.[key] ?? 'text');
      // An empty cell removes the attribute, unless the row's class has no such attribute (a column for another class).
    } else if (!kinds || key in kinds) {
      attributes[key] = null;
    }
  });
  if (columns.some((c) => ATTRIBUTE_COLUMN.test(c))) value.attributes = attributes;
  return value;
}

/** The rows of a CSV text with a header row; a header or file that cannot be read is a 400, a bad record is that row's failure. */
export function csvCandidates(text: string): Candidates {
  let records: string[][];
  try {
    records = parse(text, { bom: true, record_delimiter: ['\r\n', '\n', '\r'], relax_column_count: true, skip_empty_lines: true });
  } catch (error) {
    const message = `cannot be read as CSV: ${(error as Error).message}`;
    throw badRequest(`the body ${message}`, [{ field: '(body)', message }]);
  }
  const [header, ...data] = records;
  if (!header || !data.length) throw badRequest('the CSV needs a header row and at least one row', [{ field: '(body)', message: 'no rows' }]);
  if (data.length > CI_IMPORT_MAX_ROWS) throw badRequest(`at most ${CI_IMPORT_MAX_ROWS} rows per import`, [{ field: '(body)', message: `${data.length} rows` }]);
  const columns = header.map((c) => c.trim());
  const problems = headerProblems(columns);
  if (problems.length) throw badRequest(`the CSV header is not valid: ${describe(problems)}`, problems);

  const candidates: Candidates = { rows: [], errors: [] };
  data.forEach((record, i) => {
    const row = i + 1;
    if (record.length !== columns.length) {
      candidates.errors.push({ row, field: '(row)', message: `has ${record.length} cells where the header has ${columns.length}` });
      return;
    }
    const unstorable = record.flatMap((cell, j) => {
      const bad = unstorableAt(cell);
      return bad ? [{ row, field: columns[j]!, message: `${bad.reason} at position ${bad.index}` }] : [];
    });
    if (unstorable.length) candidates.errors.push(...unstorable);
    else candidates.rows.push({ row, value: rowFromCells(columns, record.map((c) => c.trim())) });
  });
  return candidates;
}

interface Write {
  row: number;
  state: CiState;
  history: HistoryEntry[];
}

const keyOf = (ci: { class: string; name: string }) => JSON.stringify([ci.class, ci.name]);

/** Rows named in a duplicate's message: a file with one name 10,000 times would otherwise answer 10,000 lists of 9,999 rows. */
const ROWS_NAMED = 5;

function otherRows(rows: number[], row: number): string {
  const others = rows.filter((r) => r !== row);
  const named = others.slice(0, ROWS_NAMED).join(', ');
  const more = others.length - ROWS_NAMED;
  return `row${others.length > 1 ? 's' : ''} ${named}${more > 0 ? ` and ${more} more` : ''}`;
}

/** Each row checked on its own; rows that share a (class, name) all fail, since which one is meant cannot be told. */
function checkRows(candidates: Candidates) {
  const errors = [...candidates.errors];
  const valid: { row: number; data: ImportRow }[] = [];
  for (const { row, value } of candidates.rows) {
    const parsed = importRowSchema.safeParse(value);
    if (parsed.success) valid.push({ row, data: parsed.data });
    else errors.push(...rowErrors(row, fieldErrors(parsed.error.issues)));
  }
  const rowsOfKey = new Map<string, number[]>();
  for (const { row, data } of valid) {
    const rows = rowsOfKey.get(keyOf(data));
    if (rows) rows.push(row);
    else rowsOfKey.set(keyOf(data), [row]);
  }
  const unique = valid.filter(({ row, data }) => {
    const rows = rowsOfKey.get(keyOf(data))!;
    if (rows.length === 1) return true;
    errors.push({ row, field: 'name', message: `${data.class} ${data.name} is also on ${otherRows(rows, row)}` });
    return false;
  });
  return { unique, errors };
}

/** Looks up every reference of the rows with one query per kind: organization id → name → code, team names, and the CIs they update. */
async function lookUp(db: Database, rows: { data: ImportRow }[]) {
  const distinct = (values: (string | null | undefined)[]) => [...new Set(values.filter((v): v is string => typeof v === 'string'))];
  const organizations = await organizationsMatching(db, distinct(rows.map((r) => r.data.organization)));
  const teams = await teamsNamed(db, distinct(rows.map((r) => r.data.supportTeam)));
  const existing = await lockCisByKey(db, rows.map((r) => ({ class: r.data.class, name: r.data.name })));
  const byId = new Map(organizations.map((o) => [o.id, o.id]));
  const byName = new Map(organizations.map((o) => [o.name, o.id]));
  const byCode = new Map(organizations.filter((o) => o.code !== null).map((o) => [o.code!, o.id]));
  return {
    organizationId: (ref: string) => byId.get(ref.toLowerCase()) ?? byName.get(ref) ?? byCode.get(ref),
    teams,
    existing: new Map(existing.map((ci) => [keyOf(ci), ci])),
  };
}

export interface ImportResult {
  dryRun: boolean;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  errors: ImportError[];
}

/**
 * Checks every row, then writes the good ones and their history in one
 * transaction, in bulk. A row that fails writes nothing and keeps no other
 * row from being written; a dry run checks and counts only.
 */
export async function runImport(db: Database, actor: string, candidates: Candidates, dryRun: boolean): Promise<ImportResult> {
  const { unique, errors } = checkRows(candidates);
  return db.transaction(async (tx) => {
    const refs = await lookUp(tx, unique);
    const created: Write[] = [];
    const updated: Write[] = [];
    let unchanged = 0;
    for (const { row, data } of unique) {
      const before = refs.existing.get(keyOf(data));
      const problems: { field: string; message: string }[] = [];
      let organizationId = before?.organizationId ?? null;
      if (data.organization !== undefined) {
        organizationId = data.organization === null ? null : (refs.organizationId(data.organization) ?? null);
        if (data.organization !== null && !organizationId) problems.push({ field: 'organization', message: `no organization with id, name or code ${data.organization}` });
      }
      if (data.supportTeam && !refs.teams.has(data.supportTeam)) problems.push({ field: 'supportTeam', message: `no team named ${data.supportTeam}` });
      const attributes = CI_ATTRIBUTE_SCHEMAS[data.class].safeParse(mergeAttributes(before?.attributes ?? {}, data.attributes ?? {}));
      if (!attributes.success) problems.push(...fieldErrors(attributes.error.issues, ['attributes']));
      if (problems.length) {
        errors.push(...rowErrors(row, problems));
        continue;
      }
      const state: CiState = {
        id: before?.id ?? randomUUID(),
        class: data.class,
        name: data.name,
        status: data.status ?? before?.status ?? CI_DEFAULTS.status,
        criticality: data.criticality ?? before?.criticality ?? CI_DEFAULTS.criticality,
        organizationId,
        supportTeam: data.supportTeam === undefined ? (before?.supportTeam ?? null) : data.supportTeam,
        description: data.description ?? before?.description ?? '',
        attributes: attributes.data as Record<string, unknown>,
      };
      if (!before) created.push({ row, state, history: createdEntries(state) });
      else {
        const history = updatedEntries(before, state);
        if (history.length) updated.push({ row, state, history });
        else unchanged++;
      }
    }
    let lost: Write[] = [];
    if (!dryRun) {
      const writes = [...created, ...updated];
      const written = await upsertCis(tx, writes.map((w) => w.state));
      lost = created.filter((w) => !written.has(w.state.id));
      for (const w of lost) errors.push({ row: w.row, field: 'name', message: 'another request created this CI meanwhile; import the row again' });
      await recordHistory(tx, actor, writes.filter((w) => written.has(w.state.id)).flatMap((w) => w.history));
    }
    const failedRows = new Set(errors.map((e) => e.row));
    errors.sort((a, b) => a.row - b.row);
    return { dryRun, created: created.length - lost.length, updated: updated.length, unchanged, failed: failedRows.size, errors };
  });
}
