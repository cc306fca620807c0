import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIRROR_MANIFEST_NAME, MirrorManifest, MirrorManifestError } from '../../src/mirror/mirror-manifest.js';

let dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});
const temp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'dds-mirror-manifest-'));
  dirs.push(d);
  return d;
};

const record = (backupId: string) => ({
  instanceId: 'i1',
  backupId,
  dir: `i1/${backupId}`,
  state: 'verified' as const,
  endTime: '2026-01-01T00:00:00.000Z',
  files: [{ name: 'f.tar.gz', bytes: 3, mtimeMs: 1, sha256: 'ab', md5: null, checksum: 'size-only' as const }],
  updatedAt: '2026-01-01T00:00:00.000Z',
});

describe('MirrorManifest', () => {
  it('starts empty, saves atomically (no temp file left) and loads back what it saved', async () => {
    const dir = await temp();
    const m = await MirrorManifest.load(dir);
    expect(m.records()).toEqual([]);
    m.set(record('b1'));
    m.set(record('b2'));
    await Promise.all([m.save(), m.save(), m.save()]);
    expect(await readdir(dir)).toEqual([MIRROR_MANIFEST_NAME]);
    const again = await MirrorManifest.load(dir);
    expect(again.get('i1', 'b1')).toEqual(record('b1'));
    again.delete('i1', 'b1');
    again.delete('i1', 'b2');
    await again.save();
    expect(JSON.parse(await readFile(join(dir, MIRROR_MANIFEST_NAME), 'utf8')).instances).toEqual({});
  });

  it('an unreadable manifest is an error naming the file and the remedy, never silently replaced', async () => {
    const dir = await temp();
    await writeFile(join(dir, MIRROR_MANIFEST_NAME), '{"format":"dds-backup-mirror",');
    const error = await MirrorManifest.load(dir).catch((e) => e);
    expect(error).toBeInstanceOf(MirrorManifestError);
    expect(error.message).toContain(join(dir, MIRROR_MANIFEST_NAME));
    expect(error.message).toMatch(/Move it aside/);
    await writeFile(join(dir, MIRROR_MANIFEST_NAME), '{"format":"something-else","version":1,"instances":{}}');
    await expect(MirrorManifest.load(dir)).rejects.toThrow(/not a dds-backup-mirror version 1 file/);
  });

  it('ignores malformed records instead of trusting them', async () => {
    const dir = await temp();
    const bad = { ...record('b2'), state: 'great' };
    await writeFile(
      join(dir, MIRROR_MANIFEST_NAME),
      JSON.stringify({
        format: 'dds-backup-mirror',
        version: 1,
        instances: { i1: { backups: { b1: record('b1'), b2: bad } } },
      }),
    );
    const m = await MirrorManifest.load(dir);
    expect(m.records().map((r) => r.backupId)).toEqual(['b1']);
    expect(m.get('i1', 'b2')).toBeUndefined();
  });
});
