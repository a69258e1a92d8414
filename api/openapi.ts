import { OpenAPIHono } from '@hono/zod-openapi';
import { globalRegistry, type z } from 'zod';
import type { AppEnv } from './context';
import { problemResponse } from './problem';

/** zod issues as problem+json `errors`: one entry per field, unknown keys named. */
export function fieldErrors(issues: z.core.$ZodIssue[], prefix: string[] = []) {
  return issues.flatMap((issue) => {
    const base = [...prefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...base, key].join('.'), message: 'unknown field' }));
    }
    return [{ field: base.join('.') || '(body)', message: issue.message }];
  });
}

/** A router whose request validation failures answer 400 problem+json naming each field. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    strict: false,
    defaultHook: (result) => {
      if (result.success) return;
      const errors = fieldErrors(result.error.issues, result.target === 'json' ? [] : [result.target]);
      return problemResponse(400, `invalid request: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, { errors });
    },
  });
}

type Json = Record<string, unknown>;
type Operation = Json & { operationId?: string; requestBody?: unknown; responses?: Record<string, unknown> };
type OpenApiDocument = Json & { paths?: Record<string, Record<string, Operation | undefined>>; components?: Json & { responses?: Json } };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** `post /incidents/{number}/set-priority` → `postIncidentsByNumberSetPriority`: stable for as long as the route is. */
export function operationIdFor(method: string, path: string): string {
  const words = path
    .split('/')
    .flatMap((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      return param ? ['by', ...param[1]!.split(/[^A-Za-z0-9]+/)] : segment.split(/[^A-Za-z0-9]+/);
    })
    .filter(Boolean);
  return [method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}

const problemContent = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

/** Answers any operation may give besides its own, shared as components. */
const SHARED_RESPONSES = {
  ContentTooLarge: { description: 'Content Too Large: the body is over the size limit', content: problemContent },
  UnsupportedMediaType: { description: 'Unsupported Media Type: send the body as application/json', content: problemContent },
  ServiceUnavailable: {
    description: 'Service Unavailable: the database or the workflow engine is unreachable; retry after the delay given',
    headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } },
    content: problemContent,
  },
};

/**
 * Completes the generated document with what single route declarations do
 * not say: where the API lives (so /docs can call it), the answers every
 * operation may give (413 and 415 when it takes a body; 503 always, since
 * authentication alone reads the database), and, for routes that name none,
 * an operationId derived from method and path.
 */
export function completeDocument<T extends object>(generated: T, serverUrl: string): T {
  const document = structuredClone(generated) as OpenApiDocument;
  document.servers = [{ url: serverUrl, description: 'This Tempodesk' }];
  document.components = { ...document.components, responses: { ...document.components?.responses, ...SHARED_RESPONSES } };
  const named = new Map<string, string>();
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      operation.operationId ??= operationIdFor(method, path);
      const where = `${method.toUpperCase()} ${path}`;
      const other = named.get(operation.operationId);
      if (other) throw new Error(`operationId ${operation.operationId} names both ${other} and ${where}`);
      named.set(operation.operationId, where);
      const responses = (operation.responses ??= {});
      if (operation.requestBody) {
        responses['413'] = { $ref: '#/components/responses/ContentTooLarge' };
        responses['415'] = { $ref: '#/components/responses/UnsupportedMediaType' };
      }
      responses['503'] = { $ref: '#/components/responses/ServiceUnavailable' };
    }
  }
  return document as T;
}

/** The zod schemas a value holds, however deep: route configs, objects' shapes, wrappers' inner types. */
function* schemasIn(value: unknown, seen = new Set<unknown>()): Generator<z.ZodType> {
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  if ('_zod' in value) {
    yield value as z.ZodType;
    for (const part of Object.values((value as z.ZodType)._zod.def)) yield* schemasIn(part, seen);
    return;
  }
  for (const part of Array.isArray(value) ? value : Object.values(value)) yield* schemasIn(part, seen);
}

/**
 * zod-to-openapi renders `z.literal([1, 2, 3])` as its first value alone
 * (`enum: [1]`); give every multi-valued literal in the routes its whole
 * list, as metadata the generator lays over what it derives.
 */
export function documentLiteralUnions(definitions: readonly unknown[]): void {
  for (const schema of schemasIn(definitions)) {
    const def = schema._zod.def as { type: string; values?: unknown[] };
    if (def.type !== 'literal' || !def.values || def.values.length < 2) continue;
    const meta = schema.meta() ?? {};
    if (!('enum' in meta)) globalRegistry.add(schema, { ...meta, enum: [...def.values] });
  }
}

/** The OpenAPI 3.1 document of a router, complete: build it once, after every route is mounted. */
export function openApiDocument(router: OpenAPIHono<AppEnv>, info: { title: string; version: string; description?: string }, serverUrl: string) {
  documentLiteralUnions(router.openAPIRegistry.definitions);
  return completeDocument(router.getOpenAPI31Document({ openapi: '3.1.0', info }), serverUrl);
}
