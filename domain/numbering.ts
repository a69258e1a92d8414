export const TICKET_PREFIXES = {
  incident: 'INC',
  service_request: 'REQ',
  problem: 'PRB',
  change: 'CHG',
  /** Fulfilment tasks of service requests: tickets of their own, assigned to their teams. */
  task: 'TSK',
} as const;

export type TicketType = keyof typeof TICKET_PREFIXES;

/** A number of this type, as a pattern (INC000042 for an incident). */
export const numberPatternOf = (type: TicketType) => new RegExp(`^${TICKET_PREFIXES[type]}\\d{6,}$`);

/** Each ticket type numbers from its own PostgreSQL sequence (db/schema.ts). */
export const numberSequence = (type: TicketType) => `${type}_number_seq`;

/** INC000042: the prefix and at least six digits; larger sequences simply grow wider. */
export function formatTicketNumber(type: TicketType, sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1) throw new RangeError(`invalid ticket sequence ${sequence}`);
  return `${TICKET_PREFIXES[type]}${String(sequence).padStart(6, '0')}`;
}

const NUMBER_PATTERN = /^(INC|REQ|PRB|CHG|TSK)(\d{6,})$/;

export function parseTicketNumber(number: string): { type: TicketType; sequence: number } | null {
  const match = NUMBER_PATTERN.exec(number);
  if (!match) return null;
  const type = (Object.keys(TICKET_PREFIXES) as TicketType[]).find((t) => TICKET_PREFIXES[t] === match[1])!;
  return { type, sequence: Number(match[2]) };
}
