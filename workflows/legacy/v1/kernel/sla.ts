import {
  BREACH_PERCENT,
  dueThresholds,
  markFired,
  nextThreshold,
  type Threshold,
} from '../../../../domain/slaClock';
import type { ClockName, Ticket } from './ticket';

const CLOCKS: ClockName[] = ['response', 'resolution'];

/** The next instant an SLA threshold falls due on any running clock. */
export function nextSlaThreshold(ticket: Ticket): Threshold | null {
  const now = Date.now();
  let earliest: Threshold | null = null;
  for (const name of CLOCKS) {
    const next = nextThreshold(ticket.state.clocks[name], ticket.state.sla.warnAtPercent, now, ticket.calendar);
    if (next && (!earliest || next.at < earliest.at)) earliest = next;
  }
  return earliest;
}

export type ThresholdKind = 'warning' | 'breach' | 'escalation';

export interface ThresholdHandler {
  (clock: ClockName, percent: number, kind: ThresholdKind): Promise<void>;
}

/** Acts once on every threshold due now, marking each as acted upon first so a retry never repeats it. */
export async function actOnDueThresholds(ticket: Ticket, handle: ThresholdHandler): Promise<void> {
  const now = Date.now();
  for (const name of CLOCKS) {
    const warnAt = ticket.state.sla.warnAtPercent;
    for (const percent of dueThresholds(ticket.state.clocks[name], warnAt, now, ticket.calendar)) {
      ticket.setClock(name, markFired(ticket.state.clocks[name], percent));
      const kind: ThresholdKind = percent < BREACH_PERCENT ? 'warning' : percent === BREACH_PERCENT ? 'breach' : 'escalation';
      await handle(name, percent, kind);
    }
  }
}
