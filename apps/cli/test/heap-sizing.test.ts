// The CLI's V8 heap sizing: which V8s it applies to, and that on this suite's Node the built
// module keeps the young generation at its initial size where the default lets it grow (Node 22
// and 24: e2e/test/node-versions.e2e.test.ts, which fetches their binaries).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HEAP_FLAGS, heapSizingApplies, sizeHeap } from '../src/heap-sizing.js';

const built = fileURLToPath(new URL('../dist/heap-sizing.js', import.meta.url));
// The child (test/fixtures/new-space.mjs) on this suite's Node; the node-versions e2e runs it on
// Node 22 and 24.
const child = (size: boolean) =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [fileURLToPath(new URL('fixtures/new-space.mjs', import.meta.url)), size ? 'size' : ''],
      {
        encoding: 'utf8',
      },
    ),
  ) as { v8: string; applied: boolean; newSpace: number };

describe('heap sizing', () => {
  it.each([
    ['11.3.244.8-node.38', true],
    ['12.4.254.21-node.57', true],
    ['13.6.233.17-node.63', true],
    ['10.2.154.26-node.26', false],
    ['14.1.0', false],
    ['', false],
  ])('V8 %s: applies %s', (version, applies) => {
    expect(heapSizingApplies(version)).toBe(applies);
    const set: string[] = [];
    expect(sizeHeap(version, (flags) => set.push(flags))).toBe(applies);
    expect(set).toEqual(applies ? [HEAP_FLAGS] : []);
  });

  it.runIf(existsSync(built))(`keeps the new space at its initial size on this Node (${process.version})`, () => {
    const sized = child(true);
    const grown = child(false);
    expect(sized.applied).toBe(true);
    // Initial: 2 x 1 MiB semi-spaces; grown by default: 2 x 16 MiB (V8 11, 12) or 2 x 32 MiB (13).
    expect(sized.newSpace).toBeLessThanOrEqual(4 * 2 ** 20);
    expect(grown.newSpace).toBeGreaterThanOrEqual(16 * 2 ** 20);
  });
});
