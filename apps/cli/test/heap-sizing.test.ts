// The CLI's V8 heap sizing: which V8s it applies to, and that on each Node line it was checked on
// (20 here; 22 and 24 when the node-versions e2e suite has fetched their binaries) the built
// module keeps the young generation at its initial size where the default lets it grow.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HEAP_FLAGS, heapSizingApplies, sizeHeap } from '../src/heap-sizing.js';

const built = fileURLToPath(new URL('../dist/heap-sizing.js', import.meta.url));
const cached = (version: string) =>
  fileURLToPath(new URL(`../../../node_modules/.cache/dds-backup-node/${version}/node`, import.meta.url));
const nodes = [process.execPath, cached('22.23.5'), cached('24.22.3')].filter((n) => existsSync(n));

// A child that (maybe) sizes its heap, makes short-lived garbage, and prints its V8 version and
// new space size.
const child = (node: string, size: boolean) =>
  JSON.parse(
    execFileSync(
      node,
      [
        '--input-type=module',
        '-e',
        `import v8 from 'node:v8';
         const { sizeHeap } = await import(${JSON.stringify(built)});
         const applied = ${size} ? sizeHeap() : false;
         let keep = [];
         for (let i = 0; i < 3e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 20000) keep = []; }
         const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
         console.log(JSON.stringify({ v8: process.versions.v8, applied, newSpace: space.space_size }));`,
      ],
      { encoding: 'utf8' },
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

  it.runIf(existsSync(built)).each(nodes)('keeps the new space at its initial size on %s', (node) => {
    const sized = child(node, true);
    const grown = child(node, false);
    expect(sized.applied).toBe(true);
    // Initial: 2 x 1 MiB semi-spaces; grown by default: 2 x 16 MiB (V8 11, 12) or 2 x 32 MiB (13).
    expect(sized.newSpace).toBeLessThanOrEqual(4 * 2 ** 20);
    expect(grown.newSpace).toBeGreaterThanOrEqual(16 * 2 ** 20);
  });
});
