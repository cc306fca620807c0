import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainQuery } from '../../src/http/plain-query.js';

// Query text built of the characters that matter to the parser, and some that do not.
const queryArb = fc
  .array(fc.constantFrom('a', 'b', 'id', '=', '&', '?', '%', '%2', '%41', '+', ' ', 'é', '😀', '__proto__', 'x'), {
    maxLength: 12,
  })
  .map((parts) => parts.join(''));

describe('plainQuery', () => {
  it('answers what URLSearchParams answers, for every name, or leaves the query to it', () => {
    fc.assert(
      fc.property(queryArb, (raw) => {
        const plain = plainQuery(raw);
        if (!plain) return;
        const reference = new URLSearchParams(raw);
        for (const name of new Set([...reference.keys(), ...plain.keys()]))
          expect(plain.get(name), `${raw} ${name}`).toBe(reference.get(name) ?? undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the mock API query without URLSearchParams', () => {
    expect(plainQuery('instance_id=i1&backup_id=b1&backup_id=b2&flag&=v')).toEqual(
      new Map([
        ['instance_id', 'i1'],
        ['backup_id', 'b1'],
        ['flag', ''],
        ['', 'v'],
      ]),
    );
    expect(plainQuery('')).toEqual(new Map());
  });

  it('leaves to URLSearchParams what needs decoding, and a leading `?`', () => {
    expect(plainQuery('a=%41')).toBeUndefined();
    expect(plainQuery('a=b+c')).toBeUndefined();
    expect(plainQuery('?a=1')).toBeUndefined();
  });
});
