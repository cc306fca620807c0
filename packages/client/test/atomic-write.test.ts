import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/atomic-write.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const fresh = () => (dir = mkdtempSync(join(tmpdir(), 'atomic-write-')));

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temp file', async () => {
    const path = join(fresh(), 'state.json');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new content');
    expect(readFileSync(path, 'utf8')).toBe('new content');
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('private: 0600 even over a leftover temp file of another mode', async () => {
    const path = join(fresh(), 'config.json');
    writeFileSync(`${path}.${process.pid}.tmp`, 'left by a crash', { mode: 0o644 });
    await writeFileAtomic(path, 'secret', { private: true });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe('secret');
  });

  it('a failed write keeps the old file and removes the temp file', async () => {
    const path = join(fresh(), 'missing-dir', 'state.json');
    await expect(writeFileAtomic(path, 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    const target = join(dir, 'state.json');
    writeFileSync(target, 'old');
    // A directory in the way of the rename: the write fails, the old file stays, no temp is left.
    const blocked = join(dir, 'blocked');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(blocked);
    writeFileSync(join(blocked, 'x'), '');
    await expect(writeFileAtomic(blocked, 'y')).rejects.toThrow();
    expect(readdirSync(dir).sort()).toEqual(['blocked', 'state.json']);
    expect(readFileSync(target, 'utf8')).toBe('old');
  });
});
