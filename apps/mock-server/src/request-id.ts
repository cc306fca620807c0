import { randomBytes } from 'node:crypto';

/**
 * Request ids in the gateway's shape (32 lowercase hex): a random per-process prefix and a
 * counter, so making one costs no crypto call per request.
 */
export function createRequestIds(): () => string {
  const prefix = randomBytes(10).toString('hex');
  let n = 0;
  return () => prefix + (n++).toString(16).padStart(12, '0');
}
