// The progress file's record format as a unit: the newest valid slot wins, a torn or damaged
// record is never read as a state (the other slot, one record older, stands), numbering goes on
// across runs, and a state too big for a slot empties the file rather than leave an older one.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ProgressRecord, readProgressRecord, SLOT_BYTES } from '../../src/download/progress-record.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'progress-record-'));
  path = join(dir, 'progress');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Overwrites bytes of the file at `at`, as a torn write or bit rot would leave them. */
function damage(at: number, bytes: Buffer) {
  const fd = openSync(path, 'r+');
  writeSync(fd, bytes, 0, bytes.length, at);
  closeSync(fd);
}

it('reads back the newest record; records alternate between the two slots', async () => {
  const r = new ProgressRecord(path, undefined);
  r.write('{"n":1}');
  r.write('{"n":2}');
  r.write('{"n":3, "longer": true}');
  r.write('{"n":4}'); // shorter than what its slot held before: the length says where it ends
  r.close();
  expect(await readProgressRecord(path)).toEqual({ body: '{"n":4}', seq: 4n, slot: 1 });
});

it('a damaged newest record is skipped: the other slot, one record older, is read', async () => {
  const r = new ProgressRecord(path, undefined);
  r.write('{"n":1}');
  r.write('{"n":2,"ranges":[[0,1000]]}');
  r.close();
  // The body of slot 1 half rewritten (a torn record).
  damage(SLOT_BYTES + 32 + 5, Buffer.from('9'));
  expect(await readProgressRecord(path)).toMatchObject({ body: '{"n":1}', seq: 1n });
  // Both damaged: nothing is trusted.
  damage(32 + 2, Buffer.from('X'));
  expect(await readProgressRecord(path)).toBeUndefined();
});

it('numbering continues from the newest record of an earlier run, into the other slot', async () => {
  const first = new ProgressRecord(path, undefined);
  first.write('{"run":1}');
  first.close();
  const last = await readProgressRecord(path);
  const second = new ProgressRecord(path, last);
  second.write('{"run":2}');
  second.close();
  expect(await readProgressRecord(path)).toEqual({ body: '{"run":2}', seq: 2n, slot: 1 });
});

it('a state bigger than a slot empties the file: no older record is left to be read', async () => {
  const r = new ProgressRecord(path, undefined);
  r.write('{"n":1}');
  r.write(`"${'x'.repeat(SLOT_BYTES)}"`);
  r.close();
  expect(readFileSync(path).length).toBe(0);
  expect(await readProgressRecord(path)).toBeUndefined();
});

it('a file of another format (an older version wrote plain JSON here) is not a record', async () => {
  writeFileSync(path, JSON.stringify({ format: 'dds-backup-manifest', version: 2, files: {} }));
  expect(await readProgressRecord(path)).toBeUndefined();
  expect(await readProgressRecord(join(dir, 'missing'))).toBeUndefined();
});
