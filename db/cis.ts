import { and, asc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { CiClass, CiStatus, Criticality } from '../domain/cmdb';
import { rowsOf, type Database } from './client';
import { attributeChanges, updateEntries, type HistoryEntry } from './cmdbHistory';
import { ciRelations, cis, contractCis, organizations, serviceCis, teams } from './schema';

/** Every column of a CI but the generated search vector, which no reader needs. */
const ciColumns = {
  id: cis.id,
  class: cis.class,
  name: cis.name,
  status: cis.status,
  criticality: cis.criticality,
  organizationId: cis.organizationId,
  supportTeam: cis.supportTeam,
  description: cis.description,
  attributes: cis.attributes,
  createdAt: cis.createdAt,
  updatedAt: cis.updatedAt,
};
export type Ci = Omit<typeof cis.$inferSelect, 'search' | 'class' | 'status' | 'criticality'> & { class: CiClass; status: CiStatus; criticality: Criticality };

/** What a write sets on a CI: everything but the timestamps. */
export type CiState = Pick<Ci, 'id' | 'class' | 'name' | 'status' | 'criticality' | 'organizationId' | 'supportTeam' | 'description' | 'attributes'>;

export async function ciById(db: Database, id: string, options: { forUpdate?: boolean } = {}): Promise<Ci | null> {
  const query = db.select(ciColumns).from(cis).where(eq(cis.id, id));
  const [row] = await (options.forUpdate ? query.for('update') : query);
  return (row as Ci | undefined) ?? null;
}

export async function insertCi(db: Database, state: Omit<CiState, 'id'>): Promise<Ci | null> {
  const [row] = await db.insert(cis).values(state).onConflictDoNothing().returning(ciColumns);
  return (row as Ci | undefined) ?? null;
}

export async function updateCi(db: Database, id: string, state: Partial<Omit<CiState, 'id' | 'class'>>): Promise<Ci> {
  const [row] = await db
    .update(cis)
    .set({ ...state, updatedAt: sql`now()` })
    .where(eq(cis.id, id))
    .returning(ciColumns);
  return row as Ci;
}

export interface CiFilters {
  classes?: string[];
  statuses?: string[];
  criticalities?: string[];
  organizationId?: string;
  supportTeam?: string;
  /** Words matched against name, description and attribute values; the whole text also as a name prefix. */
  q?: string;
  /** The (name, id) of the last CI of the previous page. */
  after: [string, string] | null;
  limit: number;
}

/** One page of CIs by name then id (limit + 1 rows, so the caller knows whether more follow). */
export async function listCis(db: Database, f: CiFilters): Promise<Ci[]> {
  const conditions: (SQL | undefined)[] = [
    f.classes && inArray(cis.class, f.classes),
    f.statuses && inArray(cis.status, f.statuses),
    f.criticalities && inArray(cis.criticality, f.criticalities),
    f.organizationId !== undefined ? eq(cis.organizationId, f.organizationId) : undefined,
    f.supportTeam !== undefined ? eq(cis.supportTeam, f.supportTeam) : undefined,
    // The search vector splits web-01 into words, so a half-typed name (web-0) is matched as a prefix too.
    f.q !== undefined
      ? or(sql`${cis.search} @@ websearch_to_tsquery('simple', ${f.q})`, sql`lower(${cis.name}) like ${`${f.q.toLowerCase().replace(/[\\%_]/g, '\\$&')}%`}`)
      : undefined,
    f.after ? sql`(${cis.name}, ${cis.id}) > (${f.after[0]}, ${f.after[1]}::uuid)` : undefined,
  ];
  const rows = await db
    .select(ciColumns)
    .from(cis)
    .where(and(...conditions))
    .orderBy(asc(cis.name), asc(cis.id))
    .limit(f.limit + 1);
  return rows as Ci[];
}

/*
 * Reference checks lock what they find (FOR KEY SHARE, as a foreign key
 * does), so a team or organization found here cannot be deleted before the
 * write that names it commits: an unknown reference is a 422, never a
 * foreign-key error.
 */

/** The teams among `names` that exist. */
export async function teamsNamed(db: Database, names: string[]): Promise<Set<string>> {
  if (!names.length) return new Set();
  const rows = await db.select({ name: teams.name }).from(teams).where(inArray(teams.name, names)).for('key share');
  return new Set(rows.map((r) => r.name));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Organizations whose id, name or code is among `refs`. */
export async function organizationsMatching(db: Database, refs: string[]): Promise<{ id: string; name: string; code: string | null }[]> {
  if (!refs.length) return [];
  const ids = refs.filter((r) => UUID.test(r)).map((r) => r.toLowerCase());
  return db
    .select({ id: organizations.id, name: organizations.name, code: organizations.code })
    .from(organizations)
    .where(or(ids.length ? inArray(organizations.id, ids) : undefined, inArray(organizations.name, refs), inArray(organizations.code, refs)))
    .for('key share');
}

/** The CIs with these natural keys, locked until the transaction ends so what an import compares against is what it overwrites. */
export async function lockCisByKey(db: Database, keys: { class: string; name: string }[]): Promise<Ci[]> {
  if (!keys.length) return [];
  const rows = await db
    .select(ciColumns)
    .from(cis)
    .where(sql`(${cis.class}, ${cis.name}) in (select k.class, k.name from jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) as k(class text, name text))`)
    .for('update');
  return rows as Ci[];
}

/** Rows per upsert statement: one JSON parameter each, so only the statement's size bounds it. */
const UPSERT_CHUNK = 1_000;

/**
 * Writes CIs in bulk by natural key, inserting new ones and overwriting
 * existing ones, and returns the ids written. A row updates only the CI whose
 * id it carries: a row meant as new whose key someone else took meanwhile is
 * left out of the result, never written over another CI.
 */
export async function upsertCis(db: Database, states: CiState[]): Promise<Set<string>> {
  const written = new Set<string>();
  for (let i = 0; i < states.length; i += UPSERT_CHUNK) {
    const chunk = states.slice(i, i + UPSERT_CHUNK).map((s) => ({
      id: s.id,
      class: s.class,
      name: s.name,
      status: s.status,
      criticality: s.criticality,
      organization_id: s.organizationId,
      support_team: s.supportTeam,
      description: s.description,
      attributes: s.attributes,
    }));
    const result = await db.execute(sql`
      insert into ${cis} (id, class, name, status, criticality, organization_id, support_team, description, attributes)
      select r.id, r.class, r.name, r.status, r.criticality, r.organization_id, r.support_team, r.description, r.attributes
      from jsonb_to_recordset(${JSON.stringify(chunk)}::jsonb)
        as r(id uuid, class text, name text, status text, criticality text, organization_id uuid, support_team text, description text, attributes jsonb)
      on conflict (class, name) do update set
        status = excluded.status, criticality = excluded.criticality, organization_id = excluded.organization_id,
        support_team = excluded.support_team, description = excluded.description, attributes = excluded.attributes, updated_at = now()
      where ${cis}.id = excluded.id
      returning id`);
    for (const { id } of rowsOf<{ id: string }>(result)) written.add(id);
  }
  return written;
}

/** What goes when a CI goes (by cascade): its relations, with both ends named, and the services and contracts that listed it. */
export async function linksOf(db: Database, id: string) {
  const [relations, services, contracts] = await Promise.all([
    db
      .select({
        id: ciRelations.id,
        type: ciRelations.type,
        sourceId: ciRelations.sourceId,
        targetId: ciRelations.targetId,
        sourceName: sql<string>`(select name from ${cis} where id = ${ciRelations.sourceId})`,
        targetName: sql<string>`(select name from ${cis} where id = ${ciRelations.targetId})`,
      })
      .from(ciRelations)
      .where(or(eq(ciRelations.sourceId, id), eq(ciRelations.targetId, id))),
    db.select({ id: serviceCis.serviceId }).from(serviceCis).where(eq(serviceCis.ciId, id)),
    db.select({ id: contractCis.contractId }).from(contractCis).where(eq(contractCis.ciId, id)),
  ]);
  return { relations, services, contracts };
}

export async function deleteCi(db: Database, id: string): Promise<void> {
  await db.delete(cis).where(eq(cis.id, id));
}

/* History: a CI's fields as its history records them, attribute by attribute. */

const HISTORY_FIELDS = ['class', 'name', 'status', 'criticality', 'organizationId', 'supportTeam', 'description', 'attributes'] as const;

/** A CI as history sees it: an empty description is no description (null), so creation does not record it. */
const snapshot = (ci: Omit<CiState, 'id'>): Record<string, unknown> => ({
  class: ci.class,
  name: ci.name,
  status: ci.status,
  criticality: ci.criticality,
  organizationId: ci.organizationId,
  supportTeam: ci.supportTeam,
  description: ci.description === '' ? null : ci.description,
  attributes: ci.attributes,
});
const NOTHING = Object.fromEntries(HISTORY_FIELDS.map((f) => [f, f === 'attributes' ? {} : null]));

/** One `created` row per field the new CI has, with its value. */
export const createdEntries = (ci: CiState): HistoryEntry[] =>
  attributeChanges(NOTHING, snapshot(ci), HISTORY_FIELDS).map((c) => ({ subjectType: 'ci', subjectId: ci.id, action: 'created', ...c }));

/** One `deleted` row per field the CI had, with its last value. */
export const deletedEntries = (ci: CiState): HistoryEntry[] =>
  attributeChanges(snapshot(ci), NOTHING, HISTORY_FIELDS).map((c) => ({ subjectType: 'ci', subjectId: ci.id, action: 'deleted', ...c }));

/** One `updated` row per field that differs, old and new; none when nothing changed. */
export const updatedEntries = (before: CiState, after: Omit<CiState, 'id'>): HistoryEntry[] =>
  updateEntries('ci', before.id, attributeChanges(snapshot(before), snapshot(after), HISTORY_FIELDS));

const UNIQUE_VIOLATION = '23505';

/** Whether a write failed on a unique index (SQLSTATE 23505), whichever driver and wrapper raised it. */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === UNIQUE_VIOLATION) return true;
  }
  return false;
}
