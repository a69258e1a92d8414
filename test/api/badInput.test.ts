import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../db/people';
import { encodeCursor } from '../../api/schemas';
import { INCIDENT_COMMANDS, type IncidentCommand } from '../../domain/incidentLifecycle';
import { eventually } from '../helpers/eventually';
import { startStack, type ApiResponse, type Stack } from '../helpers/stack';

/**
 * Bad input on every route answers 4xx problem+json naming what is wrong:
 * never a 500, and never a half-written ticket, user, team or SLA.
 */

const BASE = '/api/v1';
const MAX_BODY_BYTES = 256 * 1024;

type FieldError = string | { field: string; message: string };
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface BadCase {
  name: string;
  method?: Method;
  path: string;
  /** JSON-encoded unless a string, which is sent raw (with content-type application/json). */
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  /** For validation failures: the fields `errors` must name (a string matches any message). */
  errors?: FieldError[];
}

/** Cases written with paths under the API base; the method defaults to POST. */
const under = (prefix: string, cases: (Omit<BadCase, 'path'> & { path?: string })[]): (BadCase & { method: Method })[] =>
  cases.map((c) => ({ ...c, method: c.method ?? 'POST', path: `${BASE}${prefix}${c.path ?? ''}` }));

const x = (n: number) => 'x'.repeat(n);
const unknownField = (field: string) => ({ field, message: 'unknown field' });
/** A JSON body just over the 256 KiB limit once encoded. */
const oversized = (fields: Record<string, unknown> = {}) => ({ ...fields, padding: x(MAX_BODY_BYTES) });

let stack: Stack;

function expectProblem(res: ApiResponse, status: number) {
  expect(res.status, `${res.status} ${JSON.stringify(res.body)}`).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  expect(res.body.type.length).toBeGreaterThan(0);
  expect(res.body.title.length).toBeGreaterThan(0);
  // Nothing internal leaks.
  expect(JSON.stringify(res.body)).not.toMatch(/\bat .+\.ts:\d+|select |insert into /i);
}

function expectFieldErrors(res: ApiResponse, fields: FieldError[]) {
  expect(Array.isArray(res.body.errors), `errors in ${JSON.stringify(res.body)}`).toBe(true);
  for (const e of res.body.errors as unknown[]) expect(e).toEqual({ field: expect.any(String), message: expect.any(String) });
  expect(res.body.errors).toEqual(
    expect.arrayContaining(fields.map((f) => (typeof f === 'string' ? { field: f, message: expect.any(String) } : f))),
  );
}

async function expectBad(c: BadCase) {
  const res = await stack.api(c.method ?? 'POST', c.path, { body: c.body, headers: c.headers });
  expectProblem(res, c.status);
  if (c.status === 400 && c.errors) expectFieldErrors(res, c.errors);
  // The refused body is never read, so the server hangs up after answering; it must say so.
  if (c.status === 413) expect(res.headers.get('connection')).toBe('close');
  return res;
}

const validTargets = () => ({
  '1': { responseSeconds: 900, resolutionSeconds: 3600 },
  '2': { responseSeconds: 3600, resolutionSeconds: 28800 },
  '3': { responseSeconds: 14400, resolutionSeconds: 86400 },
  '4': { responseSeconds: 28800, resolutionSeconds: 172800 },
  '5': { responseSeconds: null, resolutionSeconds: null },
});
const sla = (overrides: Record<string, unknown> = {}) => ({ name: 'Gold', targets: validTargets(), warnAtPercent: 80, ...overrides });
const targetsWith = (priority: '1' | '2' | '3' | '4' | '5', target: Record<string, unknown>) => ({ ...validTargets(), [priority]: target });

const newIncident = (overrides: Record<string, unknown> = {}) => ({ title: 'Printer on fire', description: 'Third floor', impact: 3, urgency: 3, ...overrides });
const without = (o: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(o).filter(([k]) => k !== key));

/** A payload each command accepts, for the routes' 404 and 400-on-number cases. */
const VALID_PAYLOADS: Record<IncidentCommand, Record<string, unknown>> = {
  assign: { assignmentGroup: 'triage' },
  acknowledge: {},
  pend: { reason: 'waiting for the caller' },
  resume: {},
  resolve: { resolutionCode: 'fixed', resolutionNotes: 'restarted it' },
  reopen: { reason: 'it is back' },
  close: {},
  cancel: { reason: 'logged twice' },
  comment: { body: 'looking into it' },
  update: { title: 'Printer on fire, still' },
  escalate: { reason: 'needs a specialist' },
  'set-priority': { impact: 1, urgency: 1 },
  'link-parent': { parent: 'INC000001' },
  'link-problem': { problem: 'PRB000001' },
  'raise-problem': {},
};

const UNKNOWN_NUMBER = 'INC999999999';
const UNKNOWN_UUID = '7f3c2a9e-1b4d-4c6e-9a8b-0d1e2f3a4b5c';

/** The incidents this file logs legitimately: the only ones that may exist at the end. */
const legitimate: string[] = [];
let target: { number: string; version: number; historyLength: number; acceptedUpdates: number };
let before: { users: string[]; teams: string[]; slas: string[] };

/** Updates the incident's workflow accepted (logging it accepts one, to wait for its projection). */
const acceptedUpdates = async (number: string) =>
  ((await stack.client.workflow.getHandle(number).fetchHistory()).events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;

const names = async (path: string, key: string) => {
  const res = await stack.api('GET', `${BASE}${path}?limit=100`);
  expect(res.status).toBe(200);
  return (res.body.items as Record<string, string>[]).map((i) => i[key]!).sort();
};

beforeAll(async () => {
  stack = await startStack();
  const agent = await stack.user(['agent'], 'triage-agent@example.com');
  expect((await stack.api('POST', `${BASE}/teams`, { body: { name: 'triage', members: [agent.email] } })).status).toBe(201);
  const created = await stack.api('POST', `${BASE}/incidents`, { body: newIncident({ title: 'The target of every bad command' }) });
  expect(created.status).toBe(201);
  legitimate.push(created.body.number);
  // The read model follows the workflow within moments: the baseline is the history once its creation is in it.
  const history = await eventually(async () => {
    const read = await stack.api('GET', `${BASE}/incidents/${created.body.number}/history`);
    expect(read.body.items.length).toBeGreaterThan(0);
    return read;
  });
  target = { number: created.body.number, version: created.body.version, historyLength: history.body.items.length, acceptedUpdates: await acceptedUpdates(created.body.number) };
  before = { users: await names('/users', 'email'), teams: await names('/teams', 'name'), slas: await names('/slas', 'name') };
});
afterAll(() => stack?.stop());

describe('authentication and routing', () => {
  const routes: [string, string][] = [
    ['GET', `${BASE}/users`],
    ['POST', `${BASE}/users`],
    ['GET', `${BASE}/teams/triage`],
    ['GET', `${BASE}/slas`],
    ['PATCH', `${BASE}/users/${UNKNOWN_UUID}`],
    ['PUT', `${BASE}/teams/triage/members/triage-agent@example.com`],
    ['DELETE', `${BASE}/slas/${UNKNOWN_UUID}`],
    ['POST', `${BASE}/incidents`],
    ['GET', `${BASE}/incidents/INC000001`],
    ['POST', `${BASE}/incidents/INC000001/acknowledge`],
  ];
  const credentials: [string, Record<string, string>, string][] = [
    ['no Authorization header', {}, 'Bearer'],
    ['a token nobody holds', { authorization: 'Bearer tdk_not-a-real-token' }, 'Bearer error="invalid_token"'],
    ['a Basic credential', { authorization: 'Basic YWRtaW46YWRtaW4=' }, 'Bearer'],
    ['an empty bearer token', { authorization: 'Bearer ' }, 'Bearer'],
    ['a bearer token over 512 characters', { authorization: `Bearer ${x(600)}` }, 'Bearer'],
  ];
  const cases = routes.flatMap(([method, path]) => credentials.map(([how, headers, challenge]) => ({ method, path, how, headers, challenge })));

  it.each(cases)('$method $path with $how → 401 with WWW-Authenticate', async ({ method, path, headers, challenge }) => {
    const res = await stack.api(method, path, { token: null, headers, body: method === 'POST' ? {} : undefined });
    expectProblem(res, 401);
    expect(res.headers.get('www-authenticate')).toBe(challenge);
  });

  it.each([
    ['GET', `${BASE}/nope`],
    ['POST', `${BASE}/incidents/INC000001/explode`],
    ['GET', `${BASE}/incidents/INC000001/history/extra`],
    ['GET', '/nope'],
  ])('%s %s → 404 problem+json', async (method, path) => {
    const res = await stack.api(method, path, { body: method === 'POST' ? {} : undefined });
    expectProblem(res, 404);
  });
});

describe('users', () => {
  const user = { email: 'new-person@example.com', name: 'New Person', roles: ['agent'] };
  const cases = under('', [
    { name: 'missing email', path: '/users', body: without(user, 'email'), status: 400, errors: ['email'] },
    { name: 'email not an email', path: '/users', body: { ...user, email: 'not-an-email' }, status: 400, errors: ['email'] },
    { name: 'email a number', path: '/users', body: { ...user, email: 42 }, status: 400, errors: ['email'] },
    { name: 'email over 254 characters', path: '/users', body: { ...user, email: `${x(60)}@${x(200)}.com` }, status: 400, errors: ['email'] },
    { name: 'missing name', path: '/users', body: without(user, 'name'), status: 400, errors: ['name'] },
    { name: 'blank name', path: '/users', body: { ...user, name: '   ' }, status: 400, errors: ['name'] },
    { name: 'name over 120 characters', path: '/users', body: { ...user, name: x(121) }, status: 400, errors: ['name'] },
    { name: 'no roles', path: '/users', body: { ...user, roles: [] }, status: 400, errors: ['roles'] },
    { name: 'unknown role', path: '/users', body: { ...user, roles: ['wizard'] }, status: 400, errors: ['roles.0'] },
    { name: 'roles a string', path: '/users', body: { ...user, roles: 'agent' }, status: 400, errors: ['roles'] },
    { name: 'more roles than exist', path: '/users', body: { ...user, roles: Array(ROLES.length + 1).fill('agent') }, status: 400, errors: ['roles'] },
    { name: 'unknown field', path: '/users', body: { ...user, password: 'hunter2' }, status: 400, errors: [unknownField('password')] },
    { name: 'choosing its own token', path: '/users', body: { ...user, token: 'tdk_mine' }, status: 400, errors: [unknownField('token')] },
    { name: 'malformed JSON', path: '/users', body: '{"email": "a@b.c",', status: 400 },
    { name: 'empty body', path: '/users', body: '', status: 400 },
    { name: 'JSON array body', path: '/users', body: [user], status: 400, errors: ['(body)'] },
    { name: 'JSON null body', path: '/users', body: 'null', status: 400, errors: ['(body)'] },
    { name: 'non-JSON content type', path: '/users', body: JSON.stringify(user), headers: { 'content-type': 'text/plain' }, status: 415 },
    { name: 'body over 256 KiB', path: '/users', body: oversized(user), status: 413 },

    { name: 'limit 0', method: 'GET', path: '/users?limit=0', status: 400, errors: ['query.limit'] },
    { name: 'limit 101', method: 'GET', path: '/users?limit=101', status: 400, errors: ['query.limit'] },
    { name: 'limit -1', method: 'GET', path: '/users?limit=-1', status: 400, errors: ['query.limit'] },
    { name: 'limit not a number', method: 'GET', path: '/users?limit=ten', status: 400, errors: ['query.limit'] },
    { name: 'limit not an integer', method: 'GET', path: '/users?limit=1.5', status: 400, errors: ['query.limit'] },
    { name: 'limit empty', method: 'GET', path: '/users?limit=', status: 400, errors: ['query.limit'] },
    { name: 'limit given twice', method: 'GET', path: '/users?limit=1&limit=2', status: 400, errors: ['query.limit'] },
    { name: 'garbage cursor', method: 'GET', path: '/users?cursor=garbage', status: 400, errors: ['query.cursor'] },
    { name: 'cursor of the wrong kind', method: 'GET', path: `/users?cursor=${encodeCursor(5)}`, status: 400, errors: ['query.cursor'] },
    { name: 'cursor over 200 characters', method: 'GET', path: `/users?cursor=${x(201)}`, status: 400, errors: ['query.cursor'] },
    { name: 'unknown role filter', method: 'GET', path: '/users?role=wizard', status: 400, errors: ['query.role'] },
    { name: 'unknown query parameter', method: 'GET', path: '/users?sort=email', status: 400, errors: [unknownField('query.sort')] },
    { name: 'email filter not an email', method: 'GET', path: '/users?email=bob', status: 400, errors: ['query.email'] },
    { name: 'token for a user id that is not a uuid', path: '/users/42/tokens', body: {}, status: 400, errors: ['param.id'] },
    { name: 'token for an unknown user', path: '/users/00000000-0000-4000-8000-000000000000/tokens', body: {}, status: 404 },
    { name: 'token label over 120 characters', path: '/users/00000000-0000-4000-8000-000000000000/tokens', body: { label: x(121) }, status: 400, errors: ['label'] },
    { name: 'token with an unknown field', path: '/users/00000000-0000-4000-8000-000000000000/tokens', body: { scope: 'all' }, status: 400, errors: [unknownField('scope')] },
    { name: 'token with malformed JSON', path: '/users/00000000-0000-4000-8000-000000000000/tokens', body: '{"label":', status: 400 },
    { name: 'token expiring in 0 days', path: `/users/${UNKNOWN_UUID}/tokens`, body: { expiresInDays: 0 }, status: 400, errors: ['expiresInDays'] },
    { name: 'token expiring in 3651 days', path: `/users/${UNKNOWN_UUID}/tokens`, body: { expiresInDays: 3651 }, status: 400, errors: ['expiresInDays'] },
    { name: 'token expiring in 1.5 days', path: `/users/${UNKNOWN_UUID}/tokens`, body: { expiresInDays: 1.5 }, status: 400, errors: ['expiresInDays'] },
    { name: 'token expiry as a string', path: `/users/${UNKNOWN_UUID}/tokens`, body: { expiresInDays: '30' }, status: 400, errors: ['expiresInDays'] },
    { name: 'active filter not a boolean', method: 'GET', path: '/users?active=yes', status: 400, errors: ['query.active'] },

    { name: 'change of a user id that is not a uuid', method: 'PATCH', path: '/users/42', body: { name: 'x' }, status: 400, errors: ['param.id'] },
    { name: 'change with nothing to change', method: 'PATCH', path: `/users/${UNKNOWN_UUID}`, body: {}, status: 400, errors: ['(body)'] },
    { name: 'change to a blank name', method: 'PATCH', path: `/users/${UNKNOWN_UUID}`, body: { name: ' ' }, status: 400, errors: ['name'] },
    { name: 'change to no roles', method: 'PATCH', path: `/users/${UNKNOWN_UUID}`, body: { roles: [] }, status: 400, errors: ['roles'] },
    { name: 'change to an unknown role', method: 'PATCH', path: `/users/${UNKNOWN_UUID}`, body: { roles: ['wizard'] }, status: 400, errors: ['roles.0'] },
    { name: 'active as a string', method: 'PATCH', path: `/users/${UNKNOWN_UUID}`, body: { active: 'false' }, status: 400, errors: ['active'] },
    { name: 'change of the email', method: 'PATCH', path: `/users/${UNKNOWN_UUID}`, body: { email: 'a@b.example' }, status: 400, errors: [unknownField('email')] },
    { name: 'change with malformed JSON', method: 'PATCH', path: `/users/${UNKNOWN_UUID}`, body: '{"name":', status: 400 },
    { name: 'change of an unknown user', method: 'PATCH', path: `/users/${UNKNOWN_UUID}`, body: { name: 'Nobody' }, status: 404 },
    { name: 'deactivating a user id that is not a uuid', method: 'DELETE', path: '/users/42', status: 400, errors: ['param.id'] },
    { name: 'deactivating an unknown user', method: 'DELETE', path: `/users/${UNKNOWN_UUID}`, status: 404 },
    { name: 'tokens of a user id that is not a uuid', method: 'GET', path: '/users/42/tokens', status: 400, errors: ['param.id'] },
    { name: 'tokens of an unknown user', method: 'GET', path: `/users/${UNKNOWN_UUID}/tokens`, status: 404 },
    { name: 'tokens with a garbage cursor', method: 'GET', path: `/users/${UNKNOWN_UUID}/tokens?cursor=garbage`, status: 400, errors: ['query.cursor'] },
    { name: 'tokens with a cursor that is no token id', method: 'GET', path: `/users/${UNKNOWN_UUID}/tokens?cursor=${encodeCursor('x')}`, status: 400, errors: ['query.cursor'] },
    { name: 'tokens with limit 0', method: 'GET', path: `/users/${UNKNOWN_UUID}/tokens?limit=0`, status: 400, errors: ['query.limit'] },
    { name: 'revoking a token id that is not a uuid', method: 'DELETE', path: `/users/${UNKNOWN_UUID}/tokens/42`, status: 400, errors: ['param.tokenId'] },
    { name: 'revoking an unknown token', method: 'DELETE', path: `/users/${UNKNOWN_UUID}/tokens/${UNKNOWN_UUID}`, status: 404 },
  ]);

  it.each(cases)('$method $path: $name → $status', async (c) => {
    await expectBad(c);
  });
});

describe('teams', () => {
  const team = { name: 'network', description: 'Routers and switches', members: ['triage-agent@example.com'] };
  const cases = under('', [
    { name: 'missing name', path: '/teams', body: without(team, 'name'), status: 400, errors: ['name'] },
    { name: 'name a number', path: '/teams', body: { ...team, name: 7 }, status: 400, errors: ['name'] },
    { name: 'name with forbidden characters', path: '/teams', body: { ...team, name: 'net/work?' }, status: 400, errors: ['name'] },
    { name: 'blank name', path: '/teams', body: { ...team, name: '  ' }, status: 400, errors: ['name'] },
    { name: 'name over 120 characters', path: '/teams', body: { ...team, name: x(121) }, status: 400, errors: ['name'] },
    { name: 'description over 2000 characters', path: '/teams', body: { ...team, description: x(2001) }, status: 400, errors: ['description'] },
    { name: 'members a string', path: '/teams', body: { ...team, members: 'triage-agent@example.com' }, status: 400, errors: ['members'] },
    { name: 'member not an email', path: '/teams', body: { ...team, members: ['bob'] }, status: 400, errors: ['members.0'] },
    { name: 'over 500 members', path: '/teams', body: { ...team, members: Array.from({ length: 501 }, (_, i) => `m${i}@example.com`) }, status: 400, errors: ['members'] },
    { name: 'blank escalation team', path: '/teams', body: { ...team, escalationTeam: ' ' }, status: 400, errors: ['escalationTeam'] },
    { name: 'unknown field', path: '/teams', body: { ...team, lead: 'triage-agent@example.com' }, status: 400, errors: [unknownField('lead')] },
    { name: 'malformed JSON', path: '/teams', body: "{'name': 'network'}", status: 400 },
    { name: 'JSON array body', path: '/teams', body: [team], status: 400, errors: ['(body)'] },
    { name: 'body over 256 KiB', path: '/teams', body: oversized(team), status: 413 },
    { name: 'member with no user', path: '/teams', body: { ...team, members: ['ghost@example.com'] }, status: 422 },
    { name: 'escalation team that does not exist', path: '/teams', body: { ...team, escalationTeam: 'nobody' }, status: 422 },
    { name: 'escalating to itself', path: '/teams', body: { ...team, escalationTeam: 'network' }, status: 422 },

    { name: 'limit 0', method: 'GET', path: '/teams?limit=0', status: 400, errors: ['query.limit'] },
    { name: 'limit 1000', method: 'GET', path: '/teams?limit=1000', status: 400, errors: ['query.limit'] },
    { name: 'cursor that is not even percent-encoded', method: 'GET', path: '/teams?cursor=%%%', status: 400, errors: ['query.cursor'] },
    { name: 'undecodable cursor', method: 'GET', path: '/teams?cursor=garbage', status: 400, errors: ['query.cursor'] },
    { name: 'unknown query parameter', method: 'GET', path: '/teams?role=agent', status: 400, errors: [unknownField('query.role')] },

    { name: 'malformed name', method: 'GET', path: '/teams/net%2Fwork%3F', status: 400, errors: ['param.name'] },
    { name: 'name over 120 characters', method: 'GET', path: `/teams/${x(121)}`, status: 400, errors: ['param.name'] },
    { name: 'unknown team', method: 'GET', path: '/teams/no-such-team', status: 404 },

    { name: 'change with nothing to change', method: 'PATCH', path: '/teams/triage', body: {}, status: 400, errors: ['(body)'] },
    { name: 'change of the name', method: 'PATCH', path: '/teams/triage', body: { name: 'renamed' }, status: 400, errors: [unknownField('name')] },
    { name: 'description over 2000 characters', method: 'PATCH', path: '/teams/triage', body: { description: x(2001) }, status: 400, errors: ['description'] },
    { name: 'escalation team with forbidden characters', method: 'PATCH', path: '/teams/triage', body: { escalationTeam: 'a/b' }, status: 400, errors: ['escalationTeam'] },
    { name: 'change of a malformed name', method: 'PATCH', path: '/teams/net%2Fwork', body: { description: 'x' }, status: 400, errors: ['param.name'] },
    { name: 'change of an unknown team', method: 'PATCH', path: '/teams/no-such-team', body: { description: 'x' }, status: 404 },
    { name: 'escalating to itself', method: 'PATCH', path: '/teams/triage', body: { escalationTeam: 'triage' }, status: 422 },
    { name: 'escalating to a team that does not exist', method: 'PATCH', path: '/teams/triage', body: { escalationTeam: 'nobody' }, status: 422 },
    { name: 'deleting a malformed name', method: 'DELETE', path: '/teams/net%2Fwork', status: 400, errors: ['param.name'] },
    { name: 'deleting an unknown team', method: 'DELETE', path: '/teams/no-such-team', status: 404 },
    { name: 'member not an email', method: 'PUT', path: '/teams/triage/members/bob', status: 400, errors: ['param.email'] },
    { name: 'member of an unknown team', method: 'PUT', path: '/teams/no-such-team/members/triage-agent@example.com', status: 404 },
    { name: 'member with no user', method: 'PUT', path: '/teams/triage/members/ghost@example.com', status: 422 },
    { name: 'removing a member not an email', method: 'DELETE', path: '/teams/triage/members/bob', status: 400, errors: ['param.email'] },
    { name: 'removing someone who is not a member', method: 'DELETE', path: '/teams/triage/members/ghost@example.com', status: 404 },
  ]);

  it.each(cases)('$method $path: $name → $status', async (c) => {
    const res = await expectBad(c);
    if (c.status === 422) expect(res.body.errors).toEqual([{ field: expect.stringMatching(/^(members|escalationTeam|email)$/), message: expect.any(String) }]);
  });
});

describe('SLAs', () => {
  const cases = under('', [
    { name: 'missing name', path: '/slas', body: without(sla(), 'name'), status: 400, errors: ['name'] },
    { name: 'missing targets', path: '/slas', body: without(sla(), 'targets'), status: 400, errors: ['targets'] },
    { name: 'targets an array', path: '/slas', body: sla({ targets: [validTargets()['1']] }), status: 400, errors: ['targets'] },
    { name: 'targets missing priority 5', path: '/slas', body: sla({ targets: without(validTargets(), '5') }), status: 400, errors: ['targets.5'] },
    { name: 'a target missing resolutionSeconds', path: '/slas', body: sla({ targets: targetsWith('2', { responseSeconds: 60 }) }), status: 400, errors: ['targets.2.resolutionSeconds'] },
    { name: 'negative seconds', path: '/slas', body: sla({ targets: targetsWith('1', { responseSeconds: -1, resolutionSeconds: 3600 }) }), status: 400, errors: ['targets.1.responseSeconds'] },
    { name: 'zero seconds', path: '/slas', body: sla({ targets: targetsWith('3', { responseSeconds: 60, resolutionSeconds: 0 }) }), status: 400, errors: ['targets.3.resolutionSeconds'] },
    { name: 'non-integer seconds', path: '/slas', body: sla({ targets: targetsWith('1', { responseSeconds: 1.5, resolutionSeconds: 3600 }) }), status: 400, errors: ['targets.1.responseSeconds'] },
    { name: 'seconds as a string', path: '/slas', body: sla({ targets: targetsWith('4', { responseSeconds: '60', resolutionSeconds: 3600 }) }), status: 400, errors: ['targets.4.responseSeconds'] },
    { name: 'seconds over a year', path: '/slas', body: sla({ targets: targetsWith('4', { responseSeconds: 60, resolutionSeconds: 400 * 86400 }) }), status: 400, errors: ['targets.4.resolutionSeconds'] },
    { name: 'unknown key inside a target', path: '/slas', body: sla({ targets: targetsWith('2', { responseSeconds: 60, resolutionSeconds: 600, warnSeconds: 30 }) }), status: 400, errors: [unknownField('targets.2.warnSeconds')] },
    { name: 'unknown priority in targets', path: '/slas', body: sla({ targets: { ...validTargets(), '6': validTargets()['5'] } }), status: 400, errors: [unknownField('targets.6')] },
    { name: 'warnAtPercent 0', path: '/slas', body: sla({ warnAtPercent: 0 }), status: 400, errors: ['warnAtPercent'] },
    { name: 'warnAtPercent 100', path: '/slas', body: sla({ warnAtPercent: 100 }), status: 400, errors: ['warnAtPercent'] },
    { name: 'warnAtPercent 150', path: '/slas', body: sla({ warnAtPercent: 150 }), status: 400, errors: ['warnAtPercent'] },
    { name: 'warnAtPercent 50.5', path: '/slas', body: sla({ warnAtPercent: 50.5 }), status: 400, errors: ['warnAtPercent'] },
    { name: 'warnAtPercent "75"', path: '/slas', body: sla({ warnAtPercent: '75' }), status: 400, errors: ['warnAtPercent'] },
    { name: 'isDefault "yes"', path: '/slas', body: sla({ isDefault: 'yes' }), status: 400, errors: ['isDefault'] },
    { name: 'name over 120 characters', path: '/slas', body: sla({ name: x(121) }), status: 400, errors: ['name'] },
    { name: 'unknown field', path: '/slas', body: sla({ calendar: { kind: '24x7' } }), status: 400, errors: [unknownField('calendar')] },
    { name: 'malformed JSON', path: '/slas', body: '{"name": "Gold", "targets": {', status: 400 },
    { name: 'body over 256 KiB', path: '/slas', body: oversized(sla()), status: 413 },

    { name: 'limit 0', method: 'GET', path: '/slas?limit=0', status: 400, errors: ['query.limit'] },
    { name: 'limit "all"', method: 'GET', path: '/slas?limit=all', status: 400, errors: ['query.limit'] },
    { name: 'garbage cursor', method: 'GET', path: '/slas?cursor=garbage', status: 400, errors: ['query.cursor'] },
    { name: 'unknown query parameter', method: 'GET', path: '/slas?isDefault=true', status: 400, errors: [unknownField('query.isDefault')] },

    { name: 'id not a uuid', method: 'GET', path: '/slas/gold', status: 400, errors: ['param.id'] },
    { name: 'id almost a uuid', method: 'GET', path: `/slas/${UNKNOWN_UUID}0`, status: 400, errors: ['param.id'] },
    { name: 'unknown uuid', method: 'GET', path: `/slas/${UNKNOWN_UUID}`, status: 404 },
    { name: 'active filter not a boolean', method: 'GET', path: '/slas?active=1', status: 400, errors: ['query.active'] },

    { name: 'change of an id that is not a uuid', method: 'PATCH', path: '/slas/gold', body: { warnAtPercent: 50 }, status: 400, errors: ['param.id'] },
    { name: 'change with nothing to change', method: 'PATCH', path: `/slas/${UNKNOWN_UUID}`, body: {}, status: 400, errors: ['(body)'] },
    { name: 'change to warnAtPercent 100', method: 'PATCH', path: `/slas/${UNKNOWN_UUID}`, body: { warnAtPercent: 100 }, status: 400, errors: ['warnAtPercent'] },
    { name: 'change to targets missing priority 5', method: 'PATCH', path: `/slas/${UNKNOWN_UUID}`, body: { targets: without(validTargets(), '5') }, status: 400, errors: ['targets.5'] },
    { name: 'change to a blank name', method: 'PATCH', path: `/slas/${UNKNOWN_UUID}`, body: { name: '' }, status: 400, errors: ['name'] },
    { name: 'change of isDefault to "yes"', method: 'PATCH', path: `/slas/${UNKNOWN_UUID}`, body: { isDefault: 'yes' }, status: 400, errors: ['isDefault'] },
    { name: 'change of the calendar', method: 'PATCH', path: `/slas/${UNKNOWN_UUID}`, body: { calendar: { kind: '24x7' } }, status: 400, errors: [unknownField('calendar')] },
    { name: 'change of an unknown SLA', method: 'PATCH', path: `/slas/${UNKNOWN_UUID}`, body: { warnAtPercent: 50 }, status: 404 },
    { name: 'deactivating an id that is not a uuid', method: 'DELETE', path: '/slas/gold', status: 400, errors: ['param.id'] },
    { name: 'deactivating an unknown SLA', method: 'DELETE', path: `/slas/${UNKNOWN_UUID}`, status: 404 },
  ]);

  it.each(cases)('$method $path: $name → $status', async (c) => {
    await expectBad(c);
  });
});

describe('logging incidents', () => {
  const ok = newIncident();
  const cases = under('/incidents', [
    { name: 'missing title', body: without(ok, 'title'), status: 400, errors: ['title'] },
    { name: 'blank title', body: { ...ok, title: '   ' }, status: 400, errors: ['title'] },
    { name: 'title a number', body: { ...ok, title: 42 }, status: 400, errors: ['title'] },
    { name: 'title over 200 characters', body: { ...ok, title: x(201) }, status: 400, errors: ['title'] },
    { name: 'description over 10000 characters', body: { ...ok, description: x(10_001) }, status: 400, errors: ['description'] },
    { name: 'description null', body: { ...ok, description: null }, status: 400, errors: ['description'] },
    { name: 'impact 0', body: { ...ok, impact: 0 }, status: 400, errors: ['impact'] },
    { name: 'impact 4', body: { ...ok, impact: 4 }, status: 400, errors: ['impact'] },
    { name: 'impact "1"', body: { ...ok, impact: '1' }, status: 400, errors: ['impact'] },
    { name: 'impact 1.5', body: { ...ok, impact: 1.5 }, status: 400, errors: ['impact'] },
    { name: 'impact 1e999 (Infinity)', body: '{"title": "t", "impact": 1e999, "urgency": 1}', status: 400, errors: ['impact'] },
    { name: 'missing urgency', body: without(ok, 'urgency'), status: 400, errors: ['urgency'] },
    { name: 'urgency -1', body: { ...ok, urgency: -1 }, status: 400, errors: ['urgency'] },
    { name: 'caller not an email', body: { ...ok, caller: 'bob' }, status: 400, errors: ['caller'] },
    { name: 'category over 80 characters', body: { ...ok, category: x(81) }, status: 400, errors: ['category'] },
    { name: 'slaId not a uuid', body: { ...ok, slaId: 'gold' }, status: 400, errors: ['slaId'] },
    { name: 'unknown field', body: { ...ok, priority: 1 }, status: 400, errors: [unknownField('priority')] },
    { name: 'choosing its own number', body: { ...ok, number: 'INC000001' }, status: 400, errors: [unknownField('number')] },
    { name: '__proto__ key', body: '{"title": "t", "impact": 1, "urgency": 1, "__proto__": {"isAdmin": true}}', status: 400, errors: [unknownField('__proto__')] },
    { name: 'several faults at once', body: { title: '', impact: 9, bogus: true }, status: 400, errors: ['title', 'impact', 'urgency', unknownField('bogus')] },
    { name: 'malformed JSON', body: '{"title": "Printer on fire", "impact": 3,', status: 400 },
    { name: 'form-encoded body sent as JSON', body: 'title=Printer&impact=3&urgency=3', status: 400 },
    { name: 'empty body', body: '', status: 400 },
    { name: 'no body at all', body: undefined, status: 400, errors: ['title', 'impact', 'urgency'] },
    { name: 'JSON array body', body: [ok], status: 400, errors: ['(body)'] },
    { name: 'JSON string body', body: '"Printer on fire"', status: 400, errors: ['(body)'] },
    { name: 'non-JSON content type', body: JSON.stringify(ok), headers: { 'content-type': 'text/plain' }, status: 415 },
    { name: 'empty Idempotency-Key', body: ok, headers: { 'idempotency-key': '' }, status: 400, errors: ['header.idempotency-key'] },
    { name: 'Idempotency-Key over 255 characters', body: ok, headers: { 'idempotency-key': x(256) }, status: 400, errors: ['header.idempotency-key'] },
    { name: 'title over 256 KiB', body: { ...ok, title: x(MAX_BODY_BYTES + 1) }, status: 413 },
    // Semantically wrong though well-formed: refused before a number is reserved or a workflow started.
    { name: 'caller with no user', body: { ...ok, caller: 'ghost@example.com' }, status: 422 },
    { name: 'SLA that does not exist', body: { ...ok, slaId: UNKNOWN_UUID }, status: 422 },
  ]);

  it.each(cases)('POST /incidents: $name → $status', async (c) => {
    const res = await expectBad(c);
    if (c.status === 422) expect(res.body.errors).toEqual([{ field: expect.stringMatching(/^(caller|slaId)$/), message: expect.any(String) }]);
  });

  it('a body over 256 KiB sent chunked (no Content-Length) → 413', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ ...ok, description: x(MAX_BODY_BYTES) }));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 16 * 1024) controller.enqueue(bytes.subarray(i, i + 16 * 1024));
        controller.close();
      },
    });
    const response = await fetch(`${stack.baseUrl}${BASE}/incidents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expectProblem({ status: response.status, headers: response.headers, body: await response.json() }, 413);
  });

  it('a 413 does not break the requests that follow it on a keep-alive client', async () => {
    for (let i = 0; i < 4; i++) {
      await expectBad({ name: 'oversized', path: `${BASE}/incidents`, body: oversized(ok), status: 413 });
      expect((await stack.api('GET', `${BASE}/users/me`)).status).toBe(200);
      expect((await stack.api('GET', `${BASE}/incidents?limit=1`)).status).toBe(200);
    }
  });

  it('an Idempotency-Key on a refused request is not used up, and a reused key with another body is refused', async () => {
    const key = 'bad-input-key-1';
    await expectBad({ name: 'invalid', path: `${BASE}/incidents`, body: { ...ok, impact: 9 }, headers: { 'idempotency-key': key }, status: 400, errors: ['impact'] });
    await expectBad({ name: 'unknown caller', path: `${BASE}/incidents`, body: { ...ok, caller: 'ghost@example.com' }, headers: { 'idempotency-key': key }, status: 422 });

    const created = await stack.api('POST', `${BASE}/incidents`, { body: ok, headers: { 'idempotency-key': key } });
    expect(created.status).toBe(201);
    legitimate.push(created.body.number);

    const retried = await stack.api('POST', `${BASE}/incidents`, { body: ok, headers: { 'idempotency-key': key } });
    expect(retried.status).toBe(200);
    expect(retried.body.number).toBe(created.body.number);

    const res = await expectBad({ name: 'reused', path: `${BASE}/incidents`, body: { ...ok, title: 'Something else' }, headers: { 'idempotency-key': key }, status: 422 });
    expect(res.body.errors).toEqual([{ field: 'header.idempotency-key', message: expect.any(String) }]);
  });
});

describe('reading incidents', () => {
  const cases = under('', [
    { name: 'status=bogus', path: '/incidents?status=bogus', status: 400, errors: ['query.status.0'] },
    { name: 'one bogus status among good ones', path: '/incidents?status=new,bogus', status: 400, errors: ['query.status.1'] },
    { name: 'status empty', path: '/incidents?status=', status: 400, errors: ['query.status'] },
    { name: 'priority=9', path: '/incidents?priority=9', status: 400, errors: ['query.priority'] },
    { name: 'priority=0', path: '/incidents?priority=0', status: 400, errors: ['query.priority'] },
    { name: 'priority=high', path: '/incidents?priority=high', status: 400, errors: ['query.priority'] },
    { name: 'limit=0', path: '/incidents?limit=0', status: 400, errors: ['query.limit'] },
    { name: 'limit=1000', path: '/incidents?limit=1000', status: 400, errors: ['query.limit'] },
    { name: 'cursor=garbage', path: '/incidents?cursor=garbage', status: 400, errors: ['query.cursor'] },
    { name: 'cursor of the wrong kind', path: `/incidents?cursor=${encodeCursor('INC000001')}`, status: 400, errors: ['query.cursor'] },
    { name: 'q blank', path: '/incidents?q=%20', status: 400, errors: ['query.q'] },
    { name: 'q over 200 characters', path: `/incidents?q=${x(201)}`, status: 400, errors: ['query.q'] },
    { name: 'assignee over 254 characters', path: `/incidents?assignee=${x(255)}`, status: 400, errors: ['query.assignee'] },
    { name: 'unknown query parameter', path: '/incidents?sort=priority', status: 400, errors: [unknownField('query.sort')] },

    { name: 'malformed number', path: '/incidents/INC12', status: 400, errors: ['param.number'] },
    { name: 'lower-case number', path: '/incidents/inc000001', status: 400, errors: ['param.number'] },
    { name: 'number with a suffix', path: '/incidents/INC000001x', status: 400, errors: ['param.number'] },
    { name: 'not a number at all', path: '/incidents/latest', status: 400, errors: ['param.number'] },
    { name: 'unknown number', path: `/incidents/${UNKNOWN_NUMBER}`, status: 404 },
    { name: 'history of a malformed number', path: '/incidents/INC12/history', status: 400, errors: ['param.number'] },
    { name: 'history of a non-number', path: '/incidents/%27%3B--/history', status: 400, errors: ['param.number'] },
    { name: 'history of an unknown number', path: `/incidents/${UNKNOWN_NUMBER}/history`, status: 404 },
  ].map((c) => ({ ...c, method: 'GET' as const })));

  it.each(cases)('GET $path: $name → $status', async (c) => {
    await expectBad(c);
  });
});

describe('incident commands', () => {
  const path = (command: string, number = target.number) => `${BASE}/incidents/${number}/${command}`;
  /** Each command as its route takes it: correcting the report is PATCH /incidents/{number}, the rest POST …/{command}. */
  const send = (command: IncidentCommand, number: string | undefined, options: Parameters<Stack['api']>[2]): Promise<ApiResponse> =>
    command === 'update' ? stack.api('PATCH', `${BASE}/incidents/${number ?? target.number}`, options) : stack.api('POST', path(command, number), options);

  it.each(INCIDENT_COMMANDS)('/incidents/{unknown}/%s → 404', async (command) => {
    const res = await send(command, UNKNOWN_NUMBER, { body: VALID_PAYLOADS[command] });
    expectProblem(res, 404);
  });

  it.each(INCIDENT_COMMANDS)('/incidents/{malformed}/%s → 400 naming the number', async (command) => {
    const res = await send(command, 'INC12', { body: VALID_PAYLOADS[command] });
    expectProblem(res, 400);
    expectFieldErrors(res, ['param.number']);
  });

  it.each(INCIDENT_COMMANDS)('%s with malformed JSON → 400', async (command) => {
    expectProblem(await send(command, undefined, { body: '{"reason": "oops"' }), 400);
  });

  it.each(INCIDENT_COMMANDS)('%s with an unknown field → 400 naming it', async (command) => {
    const res = await send(command, undefined, { body: { ...VALID_PAYLOADS[command], sneaky: true } });
    expectProblem(res, 400);
    expectFieldErrors(res, [unknownField('sneaky')]);
  });

  it.each(INCIDENT_COMMANDS)('%s with a JSON array body → 400', async (command) => {
    const res = await send(command, undefined, { body: [VALID_PAYLOADS[command]] });
    expectProblem(res, 400);
    expectFieldErrors(res, ['(body)']);
  });

  it.each(INCIDENT_COMMANDS)('%s with a body over 256 KiB → 413', async (command) => {
    expectProblem(await send(command, undefined, { body: oversized(VALID_PAYLOADS[command]) }), 413);
  });

  it.each(INCIDENT_COMMANDS)('%s with a non-JSON content type → 415', async (command) => {
    const res = await send(command, undefined, { body: JSON.stringify(VALID_PAYLOADS[command]), headers: { 'content-type': 'text/plain' } });
    expectProblem(res, 415);
  });

  const cases: { name: string; command: IncidentCommand; body: unknown; status: number; errors?: FieldError[] }[] = [
    { name: 'neither field', command: 'assign', body: {}, status: 400, errors: ['assignmentGroup'] },
    { name: 'bad assignee email', command: 'assign', body: { assignee: 'bob' }, status: 400, errors: ['assignee'] },
    { name: 'group a number', command: 'assign', body: { assignmentGroup: 5 }, status: 400, errors: ['assignmentGroup'] },
    { name: 'group over 120 characters', command: 'assign', body: { assignmentGroup: x(121) }, status: 400, errors: ['assignmentGroup'] },
    { name: 'unknown team', command: 'assign', body: { assignmentGroup: 'no-such-team' }, status: 422, errors: ['assignmentGroup'] },
    { name: 'unknown assignee', command: 'assign', body: { assignee: 'ghost@example.com' }, status: 422, errors: ['assignee'] },
    { name: 'unknown field', command: 'acknowledge', body: { note: 'on it' }, status: 400, errors: [unknownField('note')] },
    { name: 'null body', command: 'acknowledge', body: 'null', status: 400, errors: ['(body)'] },
    { name: 'missing reason', command: 'pend', body: {}, status: 400, errors: ['reason'] },
    { name: 'empty reason', command: 'pend', body: { reason: '' }, status: 400, errors: ['reason'] },
    { name: 'blank reason', command: 'pend', body: { reason: '  \n ' }, status: 400, errors: ['reason'] },
    { name: 'reason over 4000 characters', command: 'pend', body: { reason: x(4001) }, status: 400, errors: ['reason'] },
    { name: 'reason a number', command: 'pend', body: { reason: 5 }, status: 400, errors: ['reason'] },
    { name: 'unknown field', command: 'resume', body: { reason: 'back' }, status: 400, errors: [unknownField('reason')] },
    { name: 'unknown resolutionCode', command: 'resolve', body: { resolutionCode: 'magic', resolutionNotes: 'it went away' }, status: 400, errors: ['resolutionCode'] },
    { name: 'missing resolutionNotes', command: 'resolve', body: { resolutionCode: 'fixed' }, status: 400, errors: ['resolutionNotes'] },
    { name: 'missing reason', command: 'reopen', body: {}, status: 400, errors: ['reason'] },
    { name: 'unknown field', command: 'close', body: { rating: 5 }, status: 400, errors: [unknownField('rating')] },
    { name: 'empty reason', command: 'cancel', body: { reason: '' }, status: 400, errors: ['reason'] },
    { name: 'empty body', command: 'comment', body: { body: '' }, status: 400, errors: ['body'] },
    { name: 'missing body', command: 'comment', body: {}, status: 400, errors: ['body'] },
    { name: 'body over 4000 characters', command: 'comment', body: { body: x(4001) }, status: 400, errors: ['body'] },
    { name: "visibility 'secret'", command: 'comment', body: { body: 'psst', visibility: 'secret' }, status: 400, errors: ['visibility'] },
    { name: 'missing reason', command: 'escalate', body: {}, status: 400, errors: ['reason'] },
    { name: 'impact 7', command: 'set-priority', body: { impact: 7, urgency: 1 }, status: 400, errors: ['impact'] },
    { name: 'missing urgency', command: 'set-priority', body: { impact: 1 }, status: 400, errors: ['urgency'] },
    { name: 'levels as strings', command: 'set-priority', body: { impact: '1', urgency: '2' }, status: 400, errors: ['impact', 'urgency'] },
    { name: 'malformed parent number', command: 'link-parent', body: { parent: 'INC12' }, status: 400, errors: ['parent'] },
    { name: 'missing parent', command: 'link-parent', body: {}, status: 400, errors: ['parent'] },
    { name: 'unknown parent', command: 'link-parent', body: { parent: UNKNOWN_NUMBER }, status: 422, errors: ['parent'] },
    { name: 'itself as parent', command: 'link-parent', body: { parent: '{self}' }, status: 422, errors: ['parent'] },
    // Well-formed but illegal in the incident's state (new): refused by the workflow's validator.
    { name: 'while new', command: 'resume', body: {}, status: 409 },
    { name: 'while new', command: 'close', body: {}, status: 409 },
    { name: 'while new', command: 'reopen', body: { reason: 'again' }, status: 409 },
    { name: 'nothing to change', command: 'update', body: {}, status: 400, errors: ['title'] },
    { name: 'blank title', command: 'update', body: { title: ' ' }, status: 400, errors: ['title'] },
    { name: 'NUL in the description', command: 'update', body: { description: 'a\u0000b' }, status: 400, errors: ['description'] },
    { name: 'unknown caller', command: 'update', body: { caller: 'ghost@example.com' }, status: 422, errors: ['caller'] },
    { name: 'lone surrogate in a comment', command: 'comment', body: { body: 'half \ud83d' }, status: 400, errors: ['body'] },
  ];

  it.each(cases)('$command: $name → $status', async ({ command, body, status, errors }) => {
    const payload = typeof body === 'object' && body !== null && (body as { parent?: string }).parent === '{self}' ? { parent: target.number } : body;
    const res = await send(command, undefined, { body: payload });
    expectProblem(res, status);
    if (errors) {
      expectFieldErrors(res, errors);
      if (status === 422) expect(res.body.errors).toHaveLength(errors.length);
    }
    if (status === 409) expect(res.body).toMatchObject({ currentStatus: 'new', allowedCommands: expect.arrayContaining(['acknowledge']) });
  });
});

describe('loses nothing', () => {
  it('lists only the incidents logged legitimately', async () => {
    // The read model follows the workflows within moments; what it must never show is more.
    await eventually(async () => {
      const res = await stack.api('GET', `${BASE}/incidents?limit=100`);
      expect(res.status).toBe(200);
      expect(res.body.items.map((t: { number: string }) => t.number).sort()).toEqual([...legitimate].sort());
      expect(res.body.nextCursor).toBeNull();
    });
  });

  it('started a workflow for the legitimate incidents only', async () => {
    await eventually(async () => {
      const ids: string[] = [];
      for await (const w of stack.client.workflow.list({ query: `TaskQueue = '${stack.taskQueue}'` })) ids.push(w.workflowId);
      expect(ids.sort()).toEqual([...legitimate].sort());
    });
  });

  it('left the target incident untouched by every refused command', async () => {
    const res = await stack.api('GET', `${BASE}/incidents/${target.number}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: target.version, status: 'new', assignmentGroup: null, assignee: null, parent: null, priority: 5 });
    const history = await stack.api('GET', `${BASE}/incidents/${target.number}/history`);
    expect(history.status).toBe(200);
    expect(history.body.items).toHaveLength(target.historyLength);
    // Not one refused command reached the workflow's history as an accepted Update.
    expect(await acceptedUpdates(target.number)).toBe(target.acceptedUpdates);
  });

  it('created no user, team or SLA', async () => {
    expect(await names('/users', 'email')).toEqual(before.users);
    expect(await names('/teams', 'name')).toEqual(before.teams);
    expect(await names('/slas', 'name')).toEqual(before.slas);
  });
});
