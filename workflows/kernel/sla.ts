import { BREACH_PERCENT, dueThresholds, markFired, nextThreshold } from '../../domain/slaClock';
import type { Deadline } from './lifecycle';
import type { ClockName, Ticket } from './ticket';

const CLOCKS: ClockName[] = ['response', 'resolution'];
const PREFIX = 'sla:';

/** The next threshold of each running clock, as deadlines named `sla:<clock>`. */
export function slaDeadlines(ticket: Ticket): Deadline[] {
  const now = Date.now();
  return CLOCKS.flatMap((name) => {
    const next = nextThreshold(ticket.state.clocks[name], ticket.state.sla.warnAtPercent, now, ticket.calendar);
    return next ? [{ name: `${PREFIX}${name}`, at: next.at }] : [];
  });
}

export type ThresholdKind = 'warning' | 'breach' | 'escalation';
export type ThresholdHandler = (clock: ClockName, percent: number, kind: ThresholdKind) => void;

/** If `deadline` is an SLA deadline, acts once on every threshold of its clock due now; false otherwise. */
export function onSlaDeadline(ticket: Ticket, deadline: string, handle: ThresholdHandler): boolean {
  if (!deadline.startsWith(PREFIX)) return false;
  const name = deadline.slice(PREFIX.length) as ClockName;
  const warnAt = ticket.state.sla.warnAtPercent;
  for (const percent of dueThresholds(ticket.state.clocks[name], warnAt, Date.now(), ticket.calendar)) {
    ticket.setClock(name, markFired(ticket.state.clocks[name], percent));
    handle(name, percent, percent < BREACH_PERCENT ? 'warning' : percent === BREACH_PERCENT ? 'breach' : 'escalation');
  }
  return true;
}
