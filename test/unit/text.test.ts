import { describe, expect, it } from 'vitest';
import { requiredText, storableString, toStorable, unstorableAt } from '../../domain/text';

describe('text PostgreSQL can store', () => {
  it('finds NUL and lone surrogates, and accepts paired ones', () => {
    expect(unstorableAt('plain')).toBeNull();
    expect(unstorableAt('emoji 😀 ok')).toBeNull();
    expect(unstorableAt('a\u0000b')).toEqual({ index: 1, reason: expect.stringContaining('NUL') });
    expect(unstorableAt('high \ud83d alone')).toEqual({ index: 5, reason: expect.stringContaining('surrogate') });
    expect(unstorableAt('low \ude00 alone')).toEqual({ index: 4, reason: expect.stringContaining('surrogate') });
    expect(unstorableAt('at the end \ud83d')).toEqual({ index: 11, reason: expect.stringContaining('surrogate') });
  });

  it('refuses such text in every schema built on it', () => {
    expect(storableString().safeParse('a\u0000').success).toBe(false);
    expect(requiredText(10).safeParse(' ok ').data).toBe('ok');
    expect(requiredText(10).safeParse('\ud800').success).toBe(false);
  });

  it('marks what got past the edges, deep in objects, keys included, keeping everything else', () => {
    expect(toStorable({ a: ['x\u0000y\u0000', 'fine 😀'], ['k\ud800']: { n: 1, b: null, t: 'z\udc00' } })).toEqual({
      a: ['x\ufffdy\ufffd', 'fine 😀'],
      'k\ufffd': { n: 1, b: null, t: 'z\ufffd' },
    });
  });
});
