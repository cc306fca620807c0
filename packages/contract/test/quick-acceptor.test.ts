import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { listOperations } from '../src/operations.js';
import { quickAcceptor } from '../src/quick-acceptor.js';

const require = createRequire(import.meta.url);
const { Ajv2020 } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
// The validators' own ajv settings, less the spec's extension keywords (not strict here).
const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });

// Around every bound of the spec's parameter schemas: empty, one, 64/65 characters, astral
// characters (two UTF-16 units, one code point), lone surrogates, case and space variants.
const corpus = (schema: Record<string, unknown>): string[] => {
  const lengths = [0, 1, 2, 31, 32, 33, 63, 64, 65, 128, 129];
  const extra = [
    ...((schema.enum as unknown[] | undefined) ?? []),
    ...((schema.examples as unknown[] | undefined) ?? []),
    schema.example,
    schema.default,
  ].filter((v): v is string => typeof v === 'string');
  return [
    ...lengths.flatMap((n) => ['a'.repeat(n), '😀'.repeat(n), '\ud800'.repeat(n), `${'0'.repeat(n)}in02`]),
    ...extra.flatMap((v) => [v, v.toUpperCase(), ` ${v}`, `${v} `, `${v}\n`, v.slice(1), `${v}x`]),
    '9136fd2a9fcd405ea4674276ce36dae8in02',
    '43e4feaab48f11e89039fa163ebaa7e4br02',
    'en-us',
    'zh-cn',
    'EN-US',
  ];
};

const parameters = listOperations().flatMap((op) => op.parameters.map((p) => ({ op: op.operationId, ...p })));

describe('quickAcceptor', () => {
  it.each(parameters)('accepts nothing ajv refuses: $op $in.$name', ({ schema }) => {
    const quick = quickAcceptor(schema);
    if (!quick) return;
    const check = ajv.compile(schema);
    for (const value of corpus(schema)) if (quick(value)) expect(check(value), JSON.stringify(value)).toBe(true);
  });

  it("takes the hot operation's parameters off ajv: valid ids, tokens and languages pass it", () => {
    const op = listOperations().find((o) => o.operationId === 'ShowBackupDownloadLink')!;
    const value: Record<string, string> = {
      project_id: '0549b4a43100d4f32f51c01c2fe4acdb',
      instance_id: '9136fd2a9fcd405ea4674276ce36dae8in02',
      backup_id: '43e4feaab48f11e89039fa163ebaa7e4br02',
      'X-Auth-Token': 'MIIMOCK.token',
      'X-Language': 'zh-cn',
    };
    for (const p of op.parameters) expect(quickAcceptor(p.schema)?.(value[p.name]!), p.name).toBe(true);
  });

  it('has no check for a schema with a keyword it does not read (ajv decides)', () => {
    expect(quickAcceptor({ type: 'string', format: 'date-time' })).toBeUndefined();
    expect(quickAcceptor({ type: 'integer', minimum: 0 })).toBeUndefined();
    expect(quickAcceptor({ $ref: '#/components/schemas/X' })).toBeUndefined();
    expect(quickAcceptor({ type: 'string', minLength: '1' })).toBeUndefined();
  });

  it('honours pattern, enum and both length bounds', () => {
    const quick = quickAcceptor({ type: 'string', minLength: 2, maxLength: 4, pattern: '^[a-z]+$' })!;
    expect(['abc', 'abcd'].map(quick)).toEqual([true, true]);
    expect(['a', 'abcde', 'AB'].map(quick)).toEqual([false, false, false]);
    // Two units may be one code point: a string under twice the minimum is left to ajv.
    expect(quick('ab')).toBe(false);
    const lang = quickAcceptor({ type: 'string', enum: ['en-us', 'zh-cn'] })!;
    expect(['en-us', 'zh-cn', 'fr-fr', 'EN-US'].map(lang)).toEqual([true, true, false, false]);
  });
});
