import { z } from 'zod';

/**
 * Where `text` holds something PostgreSQL cannot store, or null: a NUL byte
 * (refused by `text` and `jsonb`) or a lone UTF-16 surrogate (not Unicode, so
 * refused as JSON). Such input once froze a ticket for good: its projection
 * retried without end. Every text field is checked at the edge instead.
 */
export function unstorableAt(text: string): { index: number; reason: string } | null {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0) return { index: i, reason: 'contains a NUL character (U+0000)' };
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return { index: i, reason: 'contains a lone UTF-16 surrogate' };
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return { index: i, reason: 'contains a lone UTF-16 surrogate' };
    }
  }
  return null;
}

/** A string that PostgreSQL can store; the base of every text field of ours. */
export const storableString = () =>
  z.string().check((ctx) => {
    const bad = unstorableAt(ctx.value);
    if (bad) ctx.issues.push({ code: 'custom', message: `${bad.reason} at position ${bad.index}`, input: ctx.value });
  });

/** Trimmed, non-empty, storable text of at most `max` characters. */
export const requiredText = (max: number) =>
  storableString()
    .trim()
    .min(1)
    .max(max)
    // What trimming means, for readers of the published schema: blank text is refused.
    .meta({ pattern: '\\S' });

function markUnstorable(text: string): string {
  let out = '';
  for (let rest = text, bad = unstorableAt(rest); bad; bad = unstorableAt(rest)) {
    out += `${rest.slice(0, bad.index)}\ufffd`;
    rest = rest.slice(bad.index + 1);
    if (!unstorableAt(rest)) return out + rest;
  }
  return out;
}

/** `value` with every string made storable: NUL and lone surrogates become U+FFFD. For data that got past the edges (older code, a raw client). */
export function toStorable<T>(value: T): T {
  if (typeof value === 'string') return (unstorableAt(value) ? markUnstorable(value) : value) as T;
  if (Array.isArray(value)) return value.map(toStorable) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [toStorable(k), toStorable(v)])) as T;
  return value;
}
