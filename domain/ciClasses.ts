import { z } from 'zod';
import type { CiClass } from './cmdb';
import { requiredText, storableString } from './text';

/**
 * What each class of configuration item records besides the fields every CI
 * has (name, status, criticality, owner, support team). Every schema is
 * strict: an attribute the class does not know is refused, not kept unseen.
 * Everything is optional unless a CI of the class means nothing without it.
 */

const HOSTNAME_LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/** RFC 1123 host names: dot-separated labels of letters, digits and inner dashes, 253 characters at most. */
const hostname = z
  .string()
  .max(253)
  .regex(new RegExp(`^${HOSTNAME_LABEL}(?:\\.${HOSTNAME_LABEL})*$`), 'must be a host name: letters, digits, dashes and dots');
const fqdn = z
  .string()
  .max(253)
  .regex(new RegExp(`^${HOSTNAME_LABEL}(?:\\.${HOSTNAME_LABEL})+$`), 'must be a fully qualified domain name such as web01.example.com');
const ipAddresses = z.array(z.union([z.ipv4().meta({ format: 'ipv4' }), z.ipv6().meta({ format: 'ipv6' })], { error: 'must be an IPv4 or IPv6 address' })).max(64);
const cpuCount = z.int().min(1).max(4096);
/** Up to a pebibyte of memory, in GB; fractions for small VMs (0.5). */
const memoryGb = z.number().positive().max(1_048_576);
const label = requiredText(120);
const longText = requiredText(2000);
const url = storableString()
  .max(2000)
  // Without flags, so the published pattern is the one the server applies.
  .regex(/^[Hh][Tt][Tt][Pp][Ss]?:\/\/[^\s/?#]+\S*$/, 'must be an http or https URL')
  .meta({ format: 'uri' });
/** Minutes, up to a year: recovery objectives. */
const minutes = z.int().min(0).max(525_600);

export const NETWORK_DEVICE_TYPES = ['router', 'switch', 'firewall', 'load_balancer', 'access_point', 'other'] as const;
export const DATABASE_ENGINES = ['postgresql', 'mysql', 'oracle', 'sqlserver', 'mongodb', 'other'] as const;

/** Names of a generic CI's attributes: what CSV headers (`attributes.<key>`) and history (`attributes.<key>`) can carry unquoted. */
export const GENERIC_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
export const GENERIC_MAX_KEYS = 50;
const genericKey = z.string().regex(GENERIC_KEY_PATTERN, 'attribute names start with a letter, then letters, digits and underscores (64 at most)');
const genericValue = z.union([storableString().max(2000), z.number(), z.boolean()]);

const sized = <T extends z.ZodType>(record: T) =>
  record
    .refine((r) => Object.keys(r as object).length <= GENERIC_MAX_KEYS, `at most ${GENERIC_MAX_KEYS} attributes`)
    .meta({ maxProperties: GENERIC_MAX_KEYS, propertyNames: { pattern: GENERIC_KEY_PATTERN.source } });

const shapes = {
  server: {
    hostname: hostname.optional(),
    fqdn: fqdn.optional(),
    ipAddresses: ipAddresses.optional(),
    os: label.optional(),
    osVersion: label.optional(),
    cpuCount: cpuCount.optional(),
    memoryGb: memoryGb.optional(),
    serialNumber: label.optional(),
    location: label.optional(),
    vendor: label.optional(),
    model: label.optional(),
  },
  virtual_machine: {
    hostname: hostname.optional(),
    ipAddresses: ipAddresses.optional(),
    os: label.optional(),
    osVersion: label.optional(),
    cpuCount: cpuCount.optional(),
    memoryGb: memoryGb.optional(),
  },
  network_device: {
    deviceType: z.enum(NETWORK_DEVICE_TYPES),
    ipAddresses: ipAddresses.optional(),
    vendor: label.optional(),
    model: label.optional(),
    firmware: label.optional(),
    serialNumber: label.optional(),
    location: label.optional(),
  },
  database: {
    engine: z.enum(DATABASE_ENGINES),
    version: label.optional(),
    port: z.int().min(1).max(65_535).optional(),
  },
  application: {
    vendor: label.optional(),
    version: label.optional(),
    url: url.optional(),
  },
  business_service_component: {
    /** Who answers for the function in the business (a person or a role). */
    businessOwner: label.optional(),
    businessFunction: longText.optional().meta({ description: 'What the component does for the business' }),
    recoveryTimeObjectiveMinutes: minutes.optional().meta({ description: 'How long it may be down (RTO), in minutes' }),
    recoveryPointObjectiveMinutes: minutes.optional().meta({ description: 'How much data it may lose (RPO), in minutes' }),
  },
} satisfies Record<Exclude<CiClass, 'generic'>, z.ZodRawShape>;

/** Each class's attributes as a complete, valid set: what a CI of the class holds. */
export const CI_ATTRIBUTE_SCHEMAS = {
  server: z.strictObject(shapes.server),
  virtual_machine: z.strictObject(shapes.virtual_machine),
  network_device: z.strictObject(shapes.network_device),
  database: z.strictObject(shapes.database),
  application: z.strictObject(shapes.application),
  business_service_component: z.strictObject(shapes.business_service_component),
  generic: sized(z.record(genericKey, genericValue)),
} satisfies Record<CiClass, z.ZodType>;

type Shape = Record<string, z.ZodType>;
const unwrapOptional = (schema: z.ZodType): z.ZodType => (schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema);

/** Any subset of a class's attributes, each a new value or null to remove it. */
const changesTo = (shape: Shape): z.ZodType<Record<string, unknown>> =>
  z.strictObject(Object.fromEntries(Object.entries(shape).map(([key, schema]) => [key, unwrapOptional(schema).nullable().optional()])));

/**
 * Each class's attribute changes, as a PATCH or an import row gives them (a
 * required attribute's removal is caught when the merged result is checked
 * against CI_ATTRIBUTE_SCHEMAS).
 */
export const CI_ATTRIBUTE_CHANGE_SCHEMAS = {
  server: changesTo(shapes.server),
  virtual_machine: changesTo(shapes.virtual_machine),
  network_device: changesTo(shapes.network_device),
  database: changesTo(shapes.database),
  application: changesTo(shapes.application),
  business_service_component: changesTo(shapes.business_service_component),
  generic: sized(z.record(genericKey, genericValue.nullable())),
} satisfies Record<CiClass, z.ZodType>;

/** Applies attribute changes: a value sets its key, null removes it, keys not named stay. */
export function mergeAttributes(current: Record<string, unknown>, changes: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...current };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/** How a text cell (CSV) becomes an attribute's value: numbers and booleans are parsed, lists split on semicolons. */
export type AttributeKind = 'text' | 'number' | 'boolean' | 'list';

function kindOf(schema: z.ZodType): AttributeKind {
  const inner = unwrapOptional(schema);
  if (inner instanceof z.ZodNumber) return 'number';
  if (inner instanceof z.ZodBoolean) return 'boolean';
  if (inner instanceof z.ZodArray) return 'list';
  return 'text';
}

/**
 * The kind of each attribute a class knows, or null for the generic class,
 * whose attributes are free (a CSV cell gives it text).
 */
export function attributeKinds(ciClass: CiClass): Record<string, AttributeKind> | null {
  if (ciClass === 'generic') return null;
  return Object.fromEntries(Object.entries(shapes[ciClass] as Shape).map(([key, schema]) => [key, kindOf(schema)]));
}
