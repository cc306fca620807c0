/**
 * @dds-backup/client/s3: stream backups into an S3-compatible bucket (AWS, MinIO, Ceph RGW)
 * with the official AWS SDK v3. A subpath of its own so that `@dds-backup/client/download`
 * does not load the SDK.
 */

export { DEFAULT_PART_BYTES, MAX_PARTS, MIN_PART_BYTES, partCount, partSizeFor } from './part-size.js';
export {
  createS3Client,
  type DownloadToS3Options,
  type DownloadToS3Result,
  downloadBackupToS3,
  ObjectExistsError,
  type S3Settings,
} from './s3-download-backup.js';
export { S3DestinationError } from './s3-errors.js';
export { META, type S3FileResult, TAGS } from './s3-file-upload.js';
export { objectKey, parseS3Url, type S3Location } from './s3-location.js';
export { s3MirrorStateDir } from './s3-mirror-store.js';
export { s3RequestHandler } from './s3-request-handler.js';
export {
  networkSettings,
  type S3VerifiedFile,
  type S3VerifyStatus,
  type VerifyS3Options,
  type VerifyS3Result,
  verifyS3,
} from './s3-verify.js';
