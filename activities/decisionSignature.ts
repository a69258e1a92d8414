import { createHmac, timingSafeEqual } from 'node:crypto';
import { signedDecisionText } from '../domain/approvals';

export type SignedFields = Parameters<typeof signedDecisionText>[0];

/** The signature of a decision sent as a Signal: HMAC-SHA256 under the platform's key, hex. */
export function signDecision(key: string, decision: SignedFields): string {
  return createHmac('sha256', key).update(signedDecisionText(decision)).digest('hex');
}

/** Whether `signature` is the key's for this decision; without a key no signed decision is accepted. */
export function verifyDecisionSignature(key: string | undefined, decision: SignedFields & { signature: string }): boolean {
  if (!key) return false;
  const expected = Buffer.from(signDecision(key, decision), 'hex');
  const given = Buffer.from(decision.signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
