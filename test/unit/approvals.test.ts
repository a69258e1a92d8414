import { describe, expect, it } from 'vitest';
import { awaitedApprovers, decide, delegate, needed, openRound, outcomeOf, refusalOf, type ApproverGroup } from '../../domain/approvals';

const cab: ApproverGroup[] = [
  { name: 'change managers', members: ['cm1@x', 'cm2@x'], rule: { kind: 'any' } },
  { name: 'dba', members: ['d1@x', 'd2@x', 'd3@x'], rule: { kind: 'quorum', count: 2 } },
];
const round = (groups = cab, requester = 'req@x') => openRound(groups, requester, 0, 1000);

describe('approval rounds', () => {
  it('is approved once every group meets its rule, and not before', () => {
    let r = round();
    r = decide(r, 'cm1@x', 'approve', 'ok', 1);
    expect(outcomeOf(r)).toBe('pending');
    r = decide(r, 'd1@x', 'approve', 'ok', 2);
    expect(outcomeOf(r)).toBe('pending');
    r = decide(r, 'd3@x', 'approve', 'ok', 3);
    expect(outcomeOf(r)).toBe('approved');
  });

  it('ends on any reject (a veto), whatever the approvals', () => {
    let r = decide(round(), 'cm1@x', 'approve', 'ok', 1);
    r = decide(r, 'd2@x', 'reject', 'no back-out plan', 2);
    expect(outcomeOf(r)).toBe('rejected');
    expect(refusalOf(r, 'd1@x')).toMatch(/already rejected/);
  });

  it('needs every member under all, and never approves a group left with nobody', () => {
    const all: ApproverGroup[] = [{ name: 'network', members: ['n1@x', 'n2@x'], rule: { kind: 'all' } }];
    let r = decide(round(all), 'n1@x', 'approve', '', 1);
    expect(outcomeOf(r)).toBe('pending');
    r = decide(r, 'n2@x', 'approve', '', 2);
    expect(outcomeOf(r)).toBe('approved');
    // The requester is the only member: taken out, the group needs a delegate.
    const alone = round([{ name: 'solo', members: ['req@x'], rule: { kind: 'any' } }]);
    expect(alone.groups[0]!.members).toEqual([]);
    expect(needed(alone.groups[0]!)).toBe(1);
    expect(outcomeOf(alone)).toBe('pending');
  });

  it('caps a quorum at the members there are', () => {
    expect(needed({ name: 'g', members: ['a@x'], rule: { kind: 'quorum', count: 3 } })).toBe(1);
    expect(needed({ name: 'g', members: ['a@x', 'b@x', 'c@x', 'd@x'], rule: { kind: 'quorum', count: 3 } })).toBe(3);
  });

  it('refuses the requester, strangers and a second decision', () => {
    const r = round(cab, 'cm2@x');
    expect(refusalOf(r, 'cm2@x')).toMatch(/own request/);
    expect(refusalOf(r, 'nobody@x')).toMatch(/not an approver/);
    const once = decide(r, 'cm1@x', 'approve', '', 1);
    expect(refusalOf(once, 'cm1@x')).toMatch(/already decided/);
    expect(refusalOf(once, 'd1@x')).toBeNull();
  });

  it('counts a member of two groups in both with one decision', () => {
    const twice: ApproverGroup[] = [
      { name: 'a', members: ['both@x'], rule: { kind: 'any' } },
      { name: 'b', members: ['both@x', 'other@x'], rule: { kind: 'any' } },
    ];
    expect(outcomeOf(decide(round(twice), 'both@x', 'approve', '', 1))).toBe('approved');
  });

  it('hands a pending decision to a delegate, who then counts in place of the approver', () => {
    let r = delegate(round(), 'd1@x', 'deputy@x');
    expect(r.groups[1]!.members).toEqual(['d2@x', 'd3@x', 'deputy@x']);
    expect(refusalOf(r, 'd1@x')).toMatch(/not an approver/);
    r = decide(decide(r, 'deputy@x', 'approve', '', 1), 'd2@x', 'approve', '', 2);
    // The DBAs have their quorum: only the change managers are still awaited.
    expect(awaitedApprovers(r)).toEqual(['cm1@x', 'cm2@x']);
    r = decide(r, 'cm2@x', 'approve', '', 3);
    expect(outcomeOf(r)).toBe('approved');
    expect(awaitedApprovers(r)).toEqual([]);
  });

  it('reminds halfway to the due time', () => {
    expect(openRound(cab, 'req@x', 1000, 600)).toMatchObject({ remindAt: 1300, dueAt: 1600, reminded: false, escalated: false });
  });
});
