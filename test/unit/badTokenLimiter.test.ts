import { describe, expect, it } from 'vitest';
import { BadTokenLimiter } from '../../api/middleware/badTokenLimiter';

/** A limiter on a clock the test moves by hand. */
function limiter(options: { maxFailures?: number; windowMs?: number; maxClients?: number } = {}) {
  let now = 1_000_000;
  const l = new BadTokenLimiter({ maxFailures: 3, windowMs: 60_000, ...options, now: () => now });
  return { l, advance: (ms: number) => (now += ms) };
}

describe('bad token limiter', () => {
  it('lets a client fail up to the limit, then refuses it with the seconds until its oldest failure leaves the window', () => {
    const { l, advance } = limiter();
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfterSeconds('10.0.0.1')).toBe(0);
      l.recordFailure('10.0.0.1');
      advance(10_000);
    }
    // Failures at t=0, 10 s and 20 s; now t=30 s: the first leaves the window at t=60 s.
    expect(l.retryAfterSeconds('10.0.0.1')).toBe(30);
    advance(29_500);
    expect(l.retryAfterSeconds('10.0.0.1')).toBe(1);
    advance(500);
    expect(l.retryAfterSeconds('10.0.0.1')).toBe(0);
  });

  it('slides: one failure ageing out frees one try, not a fresh budget', () => {
    const { l, advance } = limiter();
    l.recordFailure('a');
    advance(30_000);
    l.recordFailure('a');
    l.recordFailure('a');
    expect(l.retryAfterSeconds('a')).toBe(30);
    advance(30_000);
    expect(l.retryAfterSeconds('a')).toBe(0);
    l.recordFailure('a');
    // The two failures at t=30 s are still in the window.
    expect(l.retryAfterSeconds('a')).toBe(30);
  });

  it('counts each client on its own', () => {
    const { l } = limiter();
    for (let i = 0; i < 3; i++) l.recordFailure('attacker');
    expect(l.retryAfterSeconds('attacker')).toBeGreaterThan(0);
    expect(l.retryAfterSeconds('bystander')).toBe(0);
  });

  it('never answers less than one second while refusing', () => {
    const { l, advance } = limiter();
    for (let i = 0; i < 3; i++) l.recordFailure('a');
    advance(59_999);
    expect(l.retryAfterSeconds('a')).toBe(1);
  });

  it('forgets clients whose failures left the window, and bounds how many it tracks', () => {
    const { l, advance } = limiter({ maxClients: 100 });
    for (let i = 0; i < 50; i++) l.recordFailure(`old-${i}`);
    advance(61_000);
    for (let i = 0; i < 100; i++) l.recordFailure(`new-${i}`);
    expect(l.trackedClients).toBe(100);
    // Over the bound with every client live: the least recently failing go first.
    for (let i = 0; i < 3; i++) l.recordFailure('flood');
    expect(l.trackedClients).toBe(100);
    expect(l.retryAfterSeconds('flood')).toBeGreaterThan(0);
    expect(l.retryAfterSeconds('new-99')).toBe(0);
  });

  it('defaults to 20 failures a minute', () => {
    const l = new BadTokenLimiter();
    expect([l.maxFailures, l.windowMs]).toEqual([20, 60_000]);
    for (let i = 0; i < 19; i++) l.recordFailure('x');
    expect(l.retryAfterSeconds('x')).toBe(0);
    l.recordFailure('x');
    expect(l.retryAfterSeconds('x')).toBeGreaterThanOrEqual(59);
  });
});
