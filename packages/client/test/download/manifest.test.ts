// The manifest as a unit: reading the version 1 format (written before syncedRanges and boot
// ids), and refusing what it cannot read. The resume behaviour built on it is tested end to end
// in kill-resume, boot-id and cancel-resume.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CorruptManifestError } from '../../src/download/errors.js';
import { entryKey, Manifest } from '../../src/download/manifest.js';
import { MANIFEST_NAME } from '../../src/download/safe-name.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const partial = {
  instanceId: 'i1',
  backupId: 'b1',
  name: 'shard_1.tar.gz',
  sizeKB: 4,
  size: 4096,
  etag: '"abc"',
  state: 'partial',
  ranges: [[0, 1024]],
};
const complete = {
  instanceId: 'i1',
  backupId: 'b1',
  name: 'config.tar.gz',
  sizeKB: 1,
  size: 1000,
  state: 'complete',
  mtimeMs: 1_700_000_000_000,
  md5: '0'.repeat(32),
};

function writeManifest(content: unknown): string {
  dir = mkdtempSync(join(tmpdir(), 'manifest-'));
  writeFileSync(join(dir, MANIFEST_NAME), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

const v1 = (files: Record<string, unknown>) => ({ format: 'dds-backup-manifest', version: 1, files });

describe('Manifest reads version 1', () => {
  it('keeps its entries: a partial file with its ranges, a complete one with its checks', async () => {
    const m = await Manifest.load(
      writeManifest(
        v1({ [entryKey('i1', 'b1', partial.name)]: partial, [entryKey('i1', 'b1', complete.name)]: complete }),
      ),
    );
    expect(m.get('i1', 'b1', partial.name, 4)).toEqual(partial);
    expect(m.get('i1', 'b1', complete.name, 1)).toEqual(complete);
    expect(m.entries()).toHaveLength(2);
    // Identity includes the size in KB: another size is another file.
    expect(m.get('i1', 'b1', partial.name, 5)).toBeUndefined();
    expect(m.knows('i1', 'b1', partial.name)).toBe(true);
  });

  it('a malformed version 1 entry is known (its .part is ours) but never trusted', async () => {
    const bad = { ...partial, ranges: [[10, 5]] };
    const m = await Manifest.load(writeManifest(v1({ [entryKey('i1', 'b1', partial.name)]: bad })));
    expect(m.get('i1', 'b1', partial.name, 4)).toBeUndefined();
    expect(m.knows('i1', 'b1', partial.name)).toBe(true);
    expect(m.entries()).toEqual([]);
  });

  it('the next save writes version 2 with the same entries', async () => {
    const m = await Manifest.load(writeManifest(v1({ [entryKey('i1', 'b1', partial.name)]: partial })));
    await m.save();
    const saved = JSON.parse(readFileSync(join(dir, MANIFEST_NAME), 'utf8'));
    expect(saved).toEqual({
      format: 'dds-backup-manifest',
      version: 2,
      files: { [entryKey('i1', 'b1', partial.name)]: partial },
    });
  });
});

describe('Manifest refuses what it cannot read', () => {
  it.each([
    ['not JSON', '{"format":', /not valid JSON/],
    ['not a manifest', { format: 'something-else', version: 1, files: {} }, /not a dds-backup manifest/],
    ['a newer version', { format: 'dds-backup-manifest', version: 3, files: {} }, /format version 3/],
  ])('%s: CorruptManifestError, nothing touched', async (_what, content, message) => {
    const path = join(writeManifest(content), MANIFEST_NAME);
    const before = readFileSync(path, 'utf8');
    const error = await Manifest.load(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CorruptManifestError);
    expect((error as Error).message).toMatch(message);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });
});
