/**
 * The CMDB's vocabulary, shared by the API, the database and the workflows:
 * what a configuration item can be, where it stands in its life, and how
 * relations carry impact from one CI to another.
 */

export const CI_CLASSES = [
  'server',
  'virtual_machine',
  'network_device',
  'database',
  'application',
  'business_service_component',
  'generic',
] as const;
export type CiClass = (typeof CI_CLASSES)[number];

/** iTop's lifecycle, plus maintenance: only production CIs are expected to serve. */
export const CI_STATUSES = ['planned', 'implementation', 'test', 'production', 'maintenance', 'retired'] as const;
export type CiStatus = (typeof CI_STATUSES)[number];

export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

/**
 * Relation types, read "source <type> target", and which end depends on the
 * other: impact flows from the provider to the dependent.
 * - a VM or application `runs_on` a server: the source depends on the target;
 * - an application `depends_on` a database: the source depends on the target;
 * - a server is `connected_to` the switch it is plugged into: the source depends on the target;
 * - a server `hosts` a VM: the target depends on the source;
 * - a server is a `member_of` a cluster: the cluster (target) depends on its members.
 * The database computes the same ends in `ci_relations` (generated columns); keep both in step.
 */
export const RELATION_DEPENDENT_END = {
  runs_on: 'source',
  depends_on: 'source',
  connected_to: 'source',
  hosts: 'target',
  member_of: 'target',
} as const;
export type RelationType = keyof typeof RELATION_DEPENDENT_END;
export const RELATION_TYPES = Object.keys(RELATION_DEPENDENT_END) as RelationType[];

export const CONTRACT_KINDS = ['customer', 'provider'] as const;
export type ContractKind = (typeof CONTRACT_KINDS)[number];

/** What a history row is about: every change to one of these is recorded, attribute by attribute. */
export const HISTORY_SUBJECTS = ['ci', 'service', 'contract', 'organization', 'contact', 'calendar', 'freeze_window', 'change_template', 'change_approval_rule', 'catalog_item'] as const;
export type HistorySubject = (typeof HISTORY_SUBJECTS)[number];
