import { describe, expect, it } from 'vitest';
import { formatTicketNumber, parseTicketNumber } from '../../domain/numbering';

describe('ticket numbers', () => {
  it('pads to six digits and grows beyond', () => {
    expect(formatTicketNumber('incident', 42)).toBe('INC000042');
    expect(formatTicketNumber('change', 1_234_567)).toBe('CHG1234567');
  });
  it('parses what it formats and refuses anything else', () => {
    expect(parseTicketNumber('INC000042')).toEqual({ type: 'incident', sequence: 42 });
    expect(parseTicketNumber('REQ1234567')).toEqual({ type: 'service_request', sequence: 1_234_567 });
    expect(parseTicketNumber('INC42')).toBeNull();
    expect(parseTicketNumber('XYZ000001')).toBeNull();
  });
  it('refuses sequences that are not positive integers', () => {
    expect(() => formatTicketNumber('incident', 0)).toThrow(RangeError);
    expect(() => formatTicketNumber('incident', 1.5)).toThrow(RangeError);
  });
});
