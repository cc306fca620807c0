import { ConfigurationError } from '../errors.js';

/** Where objects go: a bucket and a key prefix (no leading or trailing slash; may be empty). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/** Bucket names as S3 allows them (3-63 of lowercase letters, digits, dots, hyphens); MinIO and Ceph also allow these. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `s3://BUCKET/PREFIX` (PREFIX optional). Anything else is a ConfigurationError saying what is expected. */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m || !BUCKET.test(m[1]!))
    throw new ConfigurationError(
      `${JSON.stringify(url)} is not an S3 destination: expected s3://BUCKET/PREFIX (a bucket name of 3-63 lowercase letters, digits, dots or hyphens).`,
    );
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((p) => p === '.' || p === '..'))
    throw new ConfigurationError(`The S3 prefix ${JSON.stringify(prefix)} may not contain "." or ".." segments.`);
  return { bucket: m[1]!, prefix };
}

/**
 * The key of a backup file: `PREFIX/{instance_id}/{backup_id}/{file}`. Unlike `--dir` (files
 * directly in DIR), a bucket is shared, so keys carry the instance and the backup.
 */
export function objectKey(location: S3Location, instanceId: string, backupId: string, file: string): string {
  return [location.prefix, instanceId, backupId, file].filter((s) => s !== '').join('/');
}
