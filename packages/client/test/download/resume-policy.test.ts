// The resume policy as a unit, on a real directory, manifest and hash pool: which recorded
// ranges are trusted, and what planFiles decides for each file before anything is written.
// End to end (through downloadBackup and the mock): boot-id, adopt-renamed, existing-files,
// kill-resume.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DownloadEvent } from '../../src/download/events.js';
import { HashPool } from '../../src/download/file-hasher.js';
import { Manifest, type ManifestEntry } from '../../src/download/manifest.js';
import { planFiles, type ResumePolicyOptions, trustableRanges } from '../../src/download/resume-policy.js';
import type { DownloadLink } from '../../src/links.js';

const ids = { instanceId: 'i1', backupId: 'b1' };
const partial = (over: Partial<ManifestEntry> = {}): ManifestEntry => ({
  ...ids,
  name: 'data.tar.gz',
  sizeKB: 4,
  size: 4096,
  state: 'partial',
  ranges: [
    [0, 1024],
    [2048, 3072],
  ],
  syncedRanges: [[0, 1024]],
  bootId: 'boot-A',
  ...over,
});

describe('trustableRanges', () => {
  it('same boot: every recorded range is trusted (a killed process left them in the page cache)', () => {
    const e = partial();
    trustableRanges(e, { bootId: 'boot-A' });
    expect(e.ranges).toEqual([
      [0, 1024],
      [2048, 3072],
    ]);
  });

  it('another boot: only the synced ranges', () => {
    const e = partial();
    trustableRanges(e, { bootId: 'boot-B' });
    expect(e.ranges).toEqual([[0, 1024]]);
    const never = partial({ syncedRanges: undefined });
    trustableRanges(never, { bootId: 'boot-B' });
    expect(never.ranges).toEqual([]);
  });

  it('no boot id now (not Linux): ranges recorded with one are narrowed to the synced ones', () => {
    const e = partial();
    trustableRanges(e, { bootId: undefined });
    expect(e.ranges).toEqual([[0, 1024]]);
  });

  it('an entry recorded without a boot id (version 1, or every checkpoint synced) is trusted whole', () => {
    const e = partial({ bootId: undefined, syncedRanges: undefined });
    trustableRanges(e, { bootId: 'boot-B' });
    expect(e.ranges).toEqual([
      [0, 1024],
      [2048, 3072],
    ]);
  });
});

describe('planFiles', () => {
  let dir: string;
  let hashes: HashPool;
  let events: DownloadEvent[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'resume-policy-'));
    hashes = new HashPool(1);
    events = [];
  });
  afterEach(() => {
    hashes.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const link = (name = 'data.tar.gz', sizeKB = 4): DownloadLink => ({
    name,
    sizeKB,
    url: 'https://bucket.obs.example.com/x',
    expiresAt: new Date(Date.now() + 3_600_000),
  });
  async function plan(entries: ManifestEntry[], over: Partial<ResumePolicyOptions> = {}, links = [link()]) {
    const manifest = await Manifest.load(dir, 'boot-A');
    for (const e of entries) manifest.set(e);
    const result = await planFiles(links, {
      dir,
      manifest,
      ...ids,
      force: false,
      bootId: 'boot-A',
      recheck: false,
      requireChecksum: false,
      hashes,
      signal: new AbortController().signal,
      emit: (e) => events.push(e),
      ...over,
    });
    return { ...result, manifest };
  }
  const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  function completeFile(content = Buffer.alloc(4096, 7)): ManifestEntry {
    const path = join(dir, 'data.tar.gz');
    writeFileSync(path, content);
    return {
      ...ids,
      name: 'data.tar.gz',
      sizeKB: 4,
      size: content.length,
      state: 'complete',
      mtimeMs: statSync(path).mtimeMs,
      sha256: sha256(content),
    };
  }

  it('a complete file unchanged since (size and mtime) is kept: skipped, nothing to fetch', async () => {
    const entry = completeFile();
    const { plans, skipped, foreign } = await plan([entry]);
    expect(plans).toEqual([]);
    expect(foreign).toEqual([]);
    expect(skipped).toEqual([
      expect.objectContaining({ name: 'data.tar.gz', skipped: true, bytes: 4096, sha256: entry.sha256 }),
    ]);
  });

  it('a complete file whose bytes changed (recheck) is fetched again from byte 0; it keeps its place', async () => {
    const entry = completeFile();
    const path = join(dir, 'data.tar.gz');
    // Same size, and the mtime the manifest knows: only a hash sees the change (bit rot).
    writeFileSync(path, Buffer.alloc(4096, 8));
    entry.mtimeMs = statSync(path).mtimeMs;
    const { plans, skipped } = await plan([entry], { recheck: true });
    expect(skipped).toEqual([]);
    expect(plans).toEqual([expect.objectContaining({ truncate: true, partPath: `${path}.part` })]);
    expect(plans[0]!.entry).toMatchObject({ state: 'partial', ranges: [] });
    expect(events).toEqual([expect.objectContaining({ type: 'restart', file: 'data.tar.gz' })]);
    expect(statSync(path).size).toBe(4096);
  });

  it('a partial file is resumed with its trusted ranges', async () => {
    writeFileSync(join(dir, 'data.tar.gz.part'), Buffer.alloc(3072));
    const entry = partial();
    const { plans } = await plan([entry]);
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ truncate: false });
    expect(plans[0]!.entry).toBe(entry);
    expect(plans[0]!.entry.ranges).toEqual(partial().ranges);
  });

  it('a partial file whose .part is shorter than its recorded ranges starts over', async () => {
    writeFileSync(join(dir, 'data.tar.gz.part'), Buffer.alloc(2048));
    const { plans } = await plan([partial()]);
    expect(plans[0]).toMatchObject({ truncate: true, entry: { state: 'partial', ranges: [] } });
  });

  it('a file (or .part) the manifest does not know is foreign: refused, or replaced with force', async () => {
    writeFileSync(join(dir, 'data.tar.gz'), 'not ours');
    writeFileSync(join(dir, 'other.bin.part'), 'not ours either');
    const links = [link(), link('other.bin', 1)];
    const refused = await plan([], {}, links);
    expect(refused.plans).toEqual([]);
    expect(refused.foreign).toEqual([join(dir, 'data.tar.gz'), join(dir, 'other.bin.part')]);
    const forced = await plan([], { force: true }, links);
    expect(forced.foreign).toEqual([]);
    expect(forced.plans.map((p) => [p.link.name, p.truncate])).toEqual([
      ['data.tar.gz', true],
      ['other.bin', true],
    ]);
  });
});
