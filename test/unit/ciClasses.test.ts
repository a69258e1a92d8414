import { describe, expect, it } from 'vitest';
import { attributeKinds, CI_ATTRIBUTE_CHANGE_SCHEMAS, CI_ATTRIBUTE_SCHEMAS, GENERIC_MAX_KEYS, mergeAttributes } from '../../domain/ciClasses';
import { CI_CLASSES } from '../../domain/cmdb';

/** The attributes of each CI class: what is accepted, what is refused, and where the refusal points. */

const valid: Record<(typeof CI_CLASSES)[number], Record<string, unknown>> = {
  server: {
    hostname: 'web01',
    fqdn: 'web01.example.com',
    ipAddresses: ['10.0.0.1', 'fe80::1'],
    os: 'Debian',
    osVersion: '12',
    cpuCount: 16,
    memoryGb: 64,
    serialNumber: 'SN-1',
    location: 'Paris DC1',
    vendor: 'Dell',
    model: 'R650',
  },
  virtual_machine: { hostname: 'vm-7', ipAddresses: ['192.168.1.7'], os: 'Ubuntu', osVersion: '24.04', cpuCount: 2, memoryGb: 0.5 },
  network_device: { deviceType: 'switch', ipAddresses: ['10.0.0.254'], vendor: 'Cisco', model: 'C9300', firmware: '17.9', location: 'Rack 4' },
  database: { engine: 'postgresql', version: '15.4', port: 5432 },
  application: { vendor: 'Acme', version: '3.2', url: 'https://crm.example.com/login' },
  business_service_component: { businessOwner: 'Head of Sales', businessFunction: 'Takes orders', recoveryTimeObjectiveMinutes: 60, recoveryPointObjectiveMinutes: 15 },
  generic: { rack: 'B4', units: 2, managed: true },
};

/** Where the first issue of a refused value points, as the API names it (attributes.<key>). */
function refusedAt(ciClass: (typeof CI_CLASSES)[number], attributes: unknown): string[] {
  const result = CI_ATTRIBUTE_SCHEMAS[ciClass].safeParse(attributes);
  expect(result.success, JSON.stringify(attributes)).toBe(false);
  return result.error!.issues.map((i) => (i.code === 'unrecognized_keys' ? i.keys.map((k) => `${k}?`).join() : i.path.join('.')));
}

describe('CI class attributes', () => {
  it('accepts a full, sensible set for every class, trimming text', () => {
    for (const ciClass of CI_CLASSES) expect(CI_ATTRIBUTE_SCHEMAS[ciClass].parse(valid[ciClass]), ciClass).toEqual(valid[ciClass]);
    expect(CI_ATTRIBUTE_SCHEMAS.server.parse({ os: '  Debian ' })).toEqual({ os: 'Debian' });
  });

  it('refuses attributes a class does not know, and a wrong value by its key', () => {
    expect(refusedAt('server', { colour: 'red' })).toEqual(['colour?']);
    expect(refusedAt('database', { engine: 'mysql', cpuCount: 4 })).toEqual(['cpuCount?']);
    expect(refusedAt('server', { cpuCount: 2.5 })).toEqual(['cpuCount']);
    expect(refusedAt('server', { cpuCount: 0 })).toEqual(['cpuCount']);
    expect(refusedAt('server', { hostname: 'bad_host!' })).toEqual(['hostname']);
    expect(refusedAt('server', { fqdn: 'web01' })).toEqual(['fqdn']);
    expect(refusedAt('virtual_machine', { ipAddresses: ['10.0.0.1', '300.1.1.1'] })).toEqual(['ipAddresses.1']);
    expect(refusedAt('virtual_machine', { memoryGb: 0 })).toEqual(['memoryGb']);
    expect(refusedAt('network_device', { deviceType: 'hub' })).toEqual(['deviceType']);
    expect(refusedAt('database', { engine: 'db2' })).toEqual(['engine']);
    expect(refusedAt('database', { engine: 'mysql', port: 65_536 })).toEqual(['port']);
    expect(refusedAt('application', { url: 'ftp://files.example.com' })).toEqual(['url']);
    expect(refusedAt('application', { vendor: '   ' })).toEqual(['vendor']);
    expect(refusedAt('business_service_component', { recoveryTimeObjectiveMinutes: -1 })).toEqual(['recoveryTimeObjectiveMinutes']);
  });

  it('requires what a class means nothing without: a network device’s type, a database’s engine', () => {
    expect(refusedAt('network_device', {})).toEqual(['deviceType']);
    expect(refusedAt('database', { port: 5432 })).toEqual(['engine']);
    for (const ciClass of ['server', 'virtual_machine', 'application', 'business_service_component', 'generic'] as const) {
      expect(CI_ATTRIBUTE_SCHEMAS[ciClass].safeParse({}).success, ciClass).toBe(true);
    }
  });

  it('keeps every string storable and bounded', () => {
    expect(refusedAt('server', { os: 'Deb\u0000ian' })).toEqual(['os']);
    expect(refusedAt('server', { location: 'x'.repeat(121) })).toEqual(['location']);
    expect(refusedAt('generic', { note: 'a\ud800' })).toEqual(['note']);
    expect(refusedAt('business_service_component', { businessFunction: 'x'.repeat(2001) })).toEqual(['businessFunction']);
  });

  it('gives a generic CI flat values under bounded names, and a bounded number of them', () => {
    expect(refusedAt('generic', { nested: { a: 1 } })).toEqual(['nested']);
    expect(refusedAt('generic', { list: [1] })).toEqual(['list']);
    expect(refusedAt('generic', { '1st': 'x' })).toEqual(['1st']);
    expect(refusedAt('generic', { 'has space': 'x' })).toEqual(['has space']);
    expect(refusedAt('generic', { ['k'.repeat(65)]: 'x' })).toEqual(['k'.repeat(65)]);
    const many = Object.fromEntries(Array.from({ length: GENERIC_MAX_KEYS + 1 }, (_, i) => [`k${i}`, i]));
    expect(refusedAt('generic', many)).toEqual(['']);
    expect(CI_ATTRIBUTE_SCHEMAS.generic.safeParse(Object.fromEntries(Object.entries(many).slice(1))).success).toBe(true);
  });
});

describe('attribute changes', () => {
  it('take any subset, null to remove, and nothing a class does not know', () => {
    expect(CI_ATTRIBUTE_CHANGE_SCHEMAS.database.parse({ engine: null, port: 5433 })).toEqual({ engine: null, port: 5433 });
    expect(CI_ATTRIBUTE_CHANGE_SCHEMAS.server.parse({})).toEqual({});
    expect(CI_ATTRIBUTE_CHANGE_SCHEMAS.server.safeParse({ cpuCount: 'four' }).success).toBe(false);
    expect(CI_ATTRIBUTE_CHANGE_SCHEMAS.server.safeParse({ engine: 'mysql' }).success).toBe(false);
    expect(CI_ATTRIBUTE_CHANGE_SCHEMAS.generic.parse({ a: null, b: 'x' })).toEqual({ a: null, b: 'x' });
  });

  it('merge key by key: a value sets, null removes, the rest stays', () => {
    const current = { os: 'Debian', cpuCount: 4, location: 'Paris' };
    expect(mergeAttributes(current, { cpuCount: 8, location: null, vendor: 'HPE' })).toEqual({ os: 'Debian', cpuCount: 8, vendor: 'HPE' });
    expect(current).toEqual({ os: 'Debian', cpuCount: 4, location: 'Paris' });
    expect(mergeAttributes(current, {})).toEqual(current);
  });
});

describe('attribute kinds', () => {
  it('tell how a CSV cell becomes each attribute of a class', () => {
    expect(attributeKinds('server')).toMatchObject({ hostname: 'text', ipAddresses: 'list', cpuCount: 'number', memoryGb: 'number', os: 'text' });
    expect(attributeKinds('database')).toEqual({ engine: 'text', version: 'text', port: 'number' });
    expect(attributeKinds('generic')).toBeNull();
    for (const ciClass of CI_CLASSES.filter((c) => c !== 'generic')) {
      expect(Object.keys(attributeKinds(ciClass)!).sort(), ciClass).toEqual(Object.keys((CI_ATTRIBUTE_SCHEMAS[ciClass] as unknown as { shape: object }).shape).sort());
    }
  });
});
