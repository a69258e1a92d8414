import { z } from '@hono/zod-openapi';
import { CI_ATTRIBUTE_CHANGE_SCHEMAS, CI_ATTRIBUTE_SCHEMAS } from '../../../domain/ciClasses';
import { CI_CLASSES, CI_STATUSES, CRITICALITIES, type CiClass } from '../../../domain/cmdb';
import { LIMITS } from '../../../domain/incident';
import { requiredText, storableString } from '../../../domain/text';
import { fieldErrors } from '../../openapi';
import { badRequest, ProblemError } from '../../problem';

/** The fields every CI has, shared by single writes and imports. */

export const ciName = requiredText(LIMITS.title).openapi({
  description: 'Unique within the class: (class, name) is the natural key imports upsert on',
  example: 'web-01',
});
export const ciDescription = storableString().max(LIMITS.description);
export const ciStatus = z.enum(CI_STATUSES);
export const ciCriticality = z.enum(CRITICALITIES);
/** What a new CI is unless told otherwise. */
export const CI_DEFAULTS = { status: 'production', criticality: 'medium' } as const;

/** server → Server, virtual_machine → VirtualMachine: component names per class. */
export const pascal = (ciClass: CiClass) => ciClass.replace(/(?:^|_)([a-z])/g, (_, letter: string) => letter.toUpperCase());

const named = <T extends Record<CiClass, z.ZodType>>(schemas: T, suffix: string) =>
  Object.fromEntries(CI_CLASSES.map((c) => [c, schemas[c].openapi(`${pascal(c)}${suffix}`)])) as T;

/** Each class's attributes, published once as `<Class>CiAttributes`. */
export const attributeSchemas = named(CI_ATTRIBUTE_SCHEMAS, 'CiAttributes');
/** Each class's attribute changes (null removes a key), published as `<Class>CiAttributeChanges`. */
export const attributeChangeSchemas = named(CI_ATTRIBUTE_CHANGE_SCHEMAS, 'CiAttributeChanges');
export const ATTRIBUTE_COMPONENTS = CI_CLASSES.map((c) => `${pascal(c)}CiAttributes`).join(', ');

type Issue = z.core.$ZodIssue;

/** An issue with a class attribute, as opposed to a malformed body (attributes that are not an object at all). */
const aboutAttributes = (issue: Issue) => issue.path[0] === 'attributes' && (issue.path.length > 1 || issue.code !== 'invalid_type');

/** A 422 naming each attribute at fault as attributes.<key>. */
export function attributeProblem(issues: Issue[], prefix: string[] = []): ProblemError {
  const errors = fieldErrors(issues, prefix);
  return new ProblemError(422, `invalid attributes: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, { errors });
}

/**
 * The validation hook of routes whose body holds class attributes: a body
 * wrong only in its attributes is a 422 naming each (the class allows no
 * such value), anything else a 400 as on every route.
 */
export function attributesUnprocessable(result: { success: true } | { success: false; error: z.ZodError }): undefined {
  if (result.success) return undefined;
  const { issues } = result.error;
  if (issues.every(aboutAttributes)) throw attributeProblem(issues);
  const errors = fieldErrors(issues);
  throw badRequest(`invalid request: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors);
}
