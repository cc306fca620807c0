import { describe, expect, it } from 'vitest';
import { MAX_PARTS, MIN_PART_BYTES, partCount, partSizeFor } from '../../src/destination/part-size.js';
import { objectKey, parseS3Url } from '../../src/destination/s3-location.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

describe('partSizeFor', () => {
  it('16 MiB up to 156 GiB, then ceil(size / 10,000) in whole MiB: every size up to 5 TiB fits 10,000 parts of at least 5 MiB', () => {
    expect(partSizeFor(0)).toBe(16 * MiB);
    expect(partSizeFor(156 * GiB)).toBe(16 * MiB);
    expect(partSizeFor(TiB)).toBe(105 * MiB);
    expect(partSizeFor(5 * TiB)).toBe(525 * MiB);
    for (const size of [1, 5 * MiB, 157 * GiB, 1.5 * TiB + 12_345, 4 * TiB + 1, 5 * TiB]) {
      const part = partSizeFor(size);
      expect(part).toBeGreaterThanOrEqual(MIN_PART_BYTES);
      expect(partCount(size, part)).toBeLessThanOrEqual(MAX_PARTS);
      expect(part % MiB).toBe(0);
    }
    expect(partSizeFor(10 * MiB, 5 * MiB)).toBe(5 * MiB);
    expect(partSizeFor(10 * MiB, MiB)).toBe(MIN_PART_BYTES);
    expect(partCount(0, 16 * MiB)).toBe(1);
  });
});

describe('parseS3Url / objectKey', () => {
  it('s3://BUCKET/PREFIX to PREFIX/INSTANCE/BACKUP/FILE; anything else refused with what is expected', () => {
    expect(parseS3Url('s3://backups/dds/prod/')).toEqual({ bucket: 'backups', prefix: 'dds/prod' });
    expect(objectKey(parseS3Url('s3://backups'), 'i', 'b', 'f.tar.gz')).toBe('i/b/f.tar.gz');
    expect(objectKey(parseS3Url('s3://backups/p'), 'i', 'b', 'f.tar.gz')).toBe('p/i/b/f.tar.gz');
    for (const bad of ['backups/p', 's3://', 's3://UPPER/p', 's3://b/../x', 'https://x/y'])
      expect(() => parseS3Url(bad)).toThrow(/S3 destination|may not contain/);
  });
});
