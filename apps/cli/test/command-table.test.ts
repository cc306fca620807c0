import {
  type components,
  ID_SHAPES,
  type Language,
  listRegions,
  MOCK_SERVER_URL,
  type operations,
} from '@dds-backup/contract';
import { describe, expect, it } from 'vitest';
import { COMMANDS, ENVIRONMENT, GLOBAL_OPTIONS } from '../src/command-table.js';

// The command table stays free of imports so that --help starts fast: its examples and choices
// are written out, and this test holds them to the spec instead.
const options = [...GLOBAL_OPTIONS, ...COMMANDS.flatMap((c) => c.options)];
const texts = [
  ...options.map((o) => o.description),
  ...COMMANDS.flatMap((c) => [c.summary, c.usage, c.description ?? '', c.reference ?? '', ...c.examples]),
  ...ENVIRONMENT.flat(),
];
const all = texts.join('\n');

describe('the command table against the spec', () => {
  it('names only regions the spec lists', () => {
    const regions = listRegions().map((r) => r.id);
    // The S3 options' default region is AWS's (an S3 fact, not a Huawei one).
    const named = [...all.matchAll(/\b[a-z]{2}-[a-z]+-\d+\b/g)].map((m) => m[0]).filter((id) => id !== 'us-east-1');
    expect(named.length).toBeGreaterThan(0);
    for (const id of named) expect(regions, id).toContain(id);
  });

  it("gives the mock's URL as the spec's servers do", () => {
    const local = [...all.matchAll(/https?:\/\/127\.0\.0\.1:\d+/g)].map((m) => m[0]);
    expect(local.length).toBeGreaterThan(0);
    for (const url of local) expect(url).toBe(MOCK_SERVER_URL);
  });

  it('writes example ids in the shapes the spec documents', () => {
    const ids = [...all.matchAll(/\b[0-9a-f]{20,}[a-z]{2}\d{2}\b/g)].map((m) => m[0]);
    expect(ids.length).toBeGreaterThan(0);
    const shapes = [ID_SHAPES.instance, ID_SHAPES.backup];
    for (const id of ids) {
      expect(
        shapes.some((s) => id.length === s.hexLength + s.suffix.length && id.endsWith(s.suffix)),
        id,
      ).toBe(true);
    }
  });

  it("offers the spec's backup types and languages as choices", () => {
    const choicesOf = (name: string) => [
      ...new Set(options.filter((o) => o.name === name).flatMap((o) => o.choices ?? [])),
    ];
    // Typed: a value the spec drops is a compile error here, one it adds fails the comparison.
    const backupTypes: Lowercase<
      NonNullable<operations['ListBackups']['parameters']['query']>['backup_type'] & string
    >[] = ['auto', 'manual', 'incremental'];
    const languages: Language[] = ['en-us', 'zh-cn'];
    expect(choicesOf('type')).toEqual(backupTypes);
    expect(choicesOf('language')).toEqual(languages);
    const kinds: components['schemas']['BackupKind'][] = ['auto', 'manual', 'incremental'];
    expect(kinds).toEqual(backupTypes);
  });
});
