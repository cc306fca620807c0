import v8 from 'node:v8';

/**
 * The V8 flag the CLI sets at startup: the young generation (new space) stays at its initial
 * size instead of doubling up to its maximum (2 x 16 MiB on Node 20 and 22, 2 x 32 MiB on
 * Node 24). A download's garbage is short-lived (request objects, SDK middleware, events): it
 * dies in a small new space as well as in a large one, and a grown new space is only dead weight
 * in the peak RSS. Measured (bench/, s3-streaming's `download --to s3://`, Node 20, with the
 * shared body blocks of the client's http1-transport): heapTotal at a 4 GiB file 55.6 MB with the
 * default growth, 27.8-29.7 MB with this flag; there 166 scavenges and 5 mark-compacts ran over
 * the whole file, with 13.6-14.9 MB live after each mark-compact (nothing accumulates). Peak RSS
 * at 64 MiB / 1 GiB / 4 GiB: 155 / 157 / 195 MB without the flag, 145 / 149 / 159 MB with it.
 *
 * Why a flag set at run time and not `--max-semi-space-size`: the bin is run as `node bin.js`
 * (or through npm's shim), so there is no command line of ours to put it on, NODE_OPTIONS
 * refuses V8 flags like this one, and V8 reads the maximum semi-space size only when the heap
 * is configured at startup (setting it later changes nothing, checked on Node 20, 22 and 24),
 * while it reads the growth factor each time the new space would grow.
 */
export const HEAP_FLAGS = '--semi-space-growth-factor=1';

/**
 * V8 major versions where HEAP_FLAGS was checked to exist and to keep the new space at its
 * initial size (Node 20: V8 11, Node 22: V8 12, Node 24: V8 13; test/heap-sizing.test.ts). Any
 * other V8 is left alone: a renamed or removed flag would print a warning to every run, or mean
 * something else.
 */
export const CHECKED_V8_MAJORS: readonly number[] = [11, 12, 13];

/** Whether HEAP_FLAGS applies to a V8 of `version` (process.versions.v8). */
export function heapSizingApplies(version: string): boolean {
  return CHECKED_V8_MAJORS.includes(Number.parseInt(version, 10));
}

/**
 * Sets HEAP_FLAGS when this V8 is one they were checked on. Called first thing in bin.ts,
 * before the engine is loaded: the new space grows with the first garbage.
 */
export function sizeHeap(version: string = process.versions.v8, set = v8.setFlagsFromString): boolean {
  if (!heapSizingApplies(version)) return false;
  set(HEAP_FLAGS);
  return true;
}
