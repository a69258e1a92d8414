import { beforeAll, describe, expect, it } from 'vitest';
import { API_BASE, createApp } from '../../api/app';
import type { AppDeps } from '../../api/context';
import { operationIdFor } from '../../api/openapi';
import { TEAM_NAME_DOCUMENTED_PATTERN } from '../../api/schemas';
import { INCIDENT_STATUSES } from '../../domain/incidentLifecycle';
import { PROBLEM_STATUSES } from '../../domain/problemLifecycle';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/**
 * The OpenAPI document as clients and tools read it: servable without a
 * database or Temporal (npm run lint:openapi lints this same document).
 */
describe('the OpenAPI document', () => {
  let doc: any;
  const operations = () =>
    Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((method) => ({ where: `${method.toUpperCase()} ${path}`, operation: item[method] })),
    );
  /** A schema with its $ref followed. */
  const resolve = (schema: any): any => (schema?.$ref ? resolve(doc.components.schemas[schema.$ref.split('/').at(-1)]) : schema);
  /** A schema's properties, its $refs followed and its allOf parts merged (an extended schema is published as allOf). */
  const propertiesOf = (schema: any): Record<string, any> => {
    const resolved = resolve(schema);
    return Object.assign({}, ...(resolved.allOf ?? []).map(propertiesOf), resolved.properties);
  };
  const bodySchema = (path: string) => resolve(doc.paths[path].post.requestBody.content['application/json'].schema);

  beforeAll(async () => {
    const response = await createApp({} as AppDeps).request(`${API_BASE}/openapi.json`);
    expect(response.status).toBe(200);
    doc = await response.json();
  });

  it('names a server, relative to where it is served, so /docs can try requests', () => {
    expect(doc.servers).toEqual([expect.objectContaining({ url: API_BASE })]);
  });

  it('keeps each named schema to one meaning: a ticket is never RFC 9457\'s Problem (a name collision once published problem tickets with an integer status)', () => {
    expect(Object.keys(resolve(doc.components.schemas.Problem).properties)).toEqual(expect.arrayContaining(['type', 'title', 'status', 'detail']));
    for (const [path, statuses] of [
      ['/incidents/{number}', INCIDENT_STATUSES],
      ['/problems/{number}', PROBLEM_STATUSES],
    ] as const) {
      const properties = propertiesOf(doc.paths[path].get.responses['200'].content['application/json'].schema);
      expect(properties.status.enum, path).toEqual([...statuses]);
      expect(properties.number.type, path).toBe('string');
    }
  });

  it('documents impact and urgency as the levels 1, 2 and 3', () => {
    for (const path of ['/incidents', '/incidents/{number}/set-priority']) {
      const { properties } = bodySchema(path);
      expect(properties.impact.enum, path).toEqual([1, 2, 3]);
      expect(properties.urgency.enum, path).toEqual([1, 2, 3]);
    }
  });

  it('gives every operation a unique operationId, derived from method and path where the route names none', () => {
    const ids = operations().map(({ where, operation }) => {
      expect(operation.operationId, where).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
      return operation.operationId;
    });
    expect(ids.length).toBeGreaterThan(20);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/users'].post.operationId).toBe('createUser');
    expect(operationIdFor('post', '/incidents/{number}/set-priority')).toBe('postIncidentsByNumberSetPriority');
    expect(operationIdFor('get', '/teams/{name}/members/{email}')).toBe('getTeamsByNameMembersByEmail');
  });

  it('documents 413 and 415 wherever a body is taken, and 503 with Retry-After everywhere', () => {
    const responses = doc.components.responses;
    expect(responses.ServiceUnavailable.headers['Retry-After']).toBeDefined();
    for (const { where, operation } of operations()) {
      expect(operation.responses['503'], where).toEqual({ $ref: '#/components/responses/ServiceUnavailable' });
      if (!operation.requestBody) continue;
      expect(operation.responses['413'], where).toEqual({ $ref: '#/components/responses/ContentTooLarge' });
      expect(operation.responses['415'], where).toEqual({ $ref: '#/components/responses/UnsupportedMediaType' });
    }
  });

  it('publishes only patterns that are ECMA-262 without flags (no \\p{…}, no /u suffix)', () => {
    const patterns: string[] = [];
    JSON.stringify(doc, (key, value) => {
      if (key === 'pattern' && typeof value === 'string') patterns.push(value);
      return value;
    });
    expect(patterns).toContain(TEAM_NAME_DOCUMENTED_PATTERN);
    for (const pattern of patterns) {
      expect(pattern).not.toContain('\\p');
      expect(pattern).not.toMatch(/(?<!\\)\/[dgimsuvy]+$/);
      expect(() => new RegExp(pattern), pattern).not.toThrow();
      expect(() => new RegExp(pattern, 'u'), pattern).not.toThrow();
    }
  });

  it('documents team names with a pattern exact over Latin-1 and never stricter than the server', () => {
    const server = /^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u;
    const documented = new RegExp(TEAM_NAME_DOCUMENTED_PATTERN);
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCharCode(cp);
      for (const name of [c, `a${c}`]) {
        if (cp <= 0xff) expect(documented.test(name), `U+${cp.toString(16)}`).toBe(server.test(name));
        else if (server.test(name)) expect(documented.test(name), `U+${cp.toString(16)}`).toBe(true);
      }
    }
    expect(documented.test('réseau-l2 Équipe_1.0')).toBe(true);
    expect(documented.test('ネットワーク')).toBe(true);
    expect(documented.test('-leading-dash')).toBe(false);
    expect(documented.test('slash/inside')).toBe(false);
  });
});
