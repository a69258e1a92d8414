import { describe, expect, it } from 'vitest';
import { allowedCommands, canIssue, INCIDENT_COMMANDS, statusAfter, type IncidentStatus } from '../../domain/incidentLifecycle';

describe('incident lifecycle', () => {
  it('walks the happy path new → assigned → in_progress ⇄ pending → resolved → closed', () => {
    let status: IncidentStatus = 'new';
    for (const [command, next] of [
      ['assign', 'assigned'],
      ['acknowledge', 'in_progress'],
      ['pend', 'pending'],
      ['resume', 'in_progress'],
      ['resolve', 'resolved'],
      ['reopen', 'in_progress'],
      ['resolve', 'resolved'],
      ['close', 'closed'],
    ] as const) {
      expect(canIssue(command, status), `${command} from ${status}`).toBe(true);
      status = statusAfter(command, status);
      expect(status).toBe(next);
    }
  });

  it('allows nothing once closed or cancelled', () => {
    expect(allowedCommands('closed')).toEqual([]);
    expect(allowedCommands('cancelled')).toEqual([]);
  });

  it('cancels from every open state and from no other', () => {
    for (const s of ['new', 'assigned', 'in_progress', 'pending'] as const) expect(canIssue('cancel', s)).toBe(true);
    for (const s of ['resolved', 'closed', 'cancelled'] as const) expect(canIssue('cancel', s)).toBe(false);
  });

  it('reopens only resolved incidents, closes only resolved ones', () => {
    const statuses: IncidentStatus[] = ['new', 'assigned', 'in_progress', 'pending', 'resolved', 'closed', 'cancelled'];
    expect(statuses.filter((s) => canIssue('reopen', s))).toEqual(['resolved']);
    expect(statuses.filter((s) => canIssue('close', s))).toEqual(['resolved']);
    expect(statuses.filter((s) => canIssue('pend', s))).toEqual(['in_progress']);
    expect(statuses.filter((s) => canIssue('resume', s))).toEqual(['pending']);
  });

  it('keeps the status for commands that only edit fields, except assign from new', () => {
    expect(statusAfter('assign', 'new')).toBe('assigned');
    expect(statusAfter('assign', 'in_progress')).toBe('in_progress');
    for (const c of ['comment', 'escalate', 'set-priority', 'link-parent', 'update'] as const) expect(statusAfter(c, 'pending')).toBe('pending');
  });

  it('lists allowed commands in declaration order', () => {
    expect(allowedCommands('resolved')).toEqual(['reopen', 'close', 'comment', 'link-problem', 'raise-problem', 'update']);
    expect(allowedCommands('new')).toEqual(INCIDENT_COMMANDS.filter((c) => !['pend', 'resume', 'reopen', 'close'].includes(c)));
  });
});
