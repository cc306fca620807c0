const MiB = 1024 * 1024;

/** S3's smallest part (all but the last), its most parts per upload, and its largest part. */
export const MIN_PART_BYTES = 5 * MiB;
export const MAX_PARTS = 10_000;
export const MAX_PART_BYTES = 5 * 1024 * MiB;
/** The default part: big enough for few requests, small enough to keep memory low. */
export const DEFAULT_PART_BYTES = 16 * MiB;

/**
 * The part size for an object of at most `bytes`: max(16 MiB (or `preferred`, at least 5 MiB),
 * ceil(bytes / 10,000) rounded up to a whole MiB). Up to 156 GiB that is 16 MiB; beyond, it grows so the object still fits in
 * 10,000 parts (1 TiB: 105 MiB parts; S3's 5 TiB maximum object: 525 MiB). Every part but the
 * last is exactly this size, so a resumed upload cuts the same parts.
 */
export function partSizeFor(bytes: number, preferred: number = DEFAULT_PART_BYTES): number {
  const needed = Math.ceil(Math.ceil(bytes / MAX_PARTS) / MiB) * MiB;
  const size = Math.max(preferred, MIN_PART_BYTES, needed);
  if (size > MAX_PART_BYTES) throw new RangeError(`${bytes} bytes do not fit in ${MAX_PARTS} parts of at most 5 GiB`);
  return size;
}

/** How many parts an object of `bytes` has at `partSize` (an empty object is one empty part). */
export function partCount(bytes: number, partSize: number): number {
  return Math.max(1, Math.ceil(bytes / partSize));
}
