/**
 * @dds-backup/client/s3: stream backups into an S3-compatible bucket (AWS, MinIO, Ceph RGW)
 * with the official AWS SDK v3. A subpath of its own so that `@dds-backup/client/download`
 * does not load the SDK.
 *
 * The surface is deliberate (pinned by test/package-exports.test.ts): the download and verify
 * runs with their options, results and errors, where objects go (objectKey, parseS3Url), the
 * metadata and tag names written (META, TAGS), and the SDK handler the options' default uses.
 * Part sizing, the SDK client factory and the state directory are internals.
 */

export {
  type DownloadToS3Options,
  type DownloadToS3Result,
  downloadBackupToS3,
  ObjectExistsError,
  type S3Settings,
} from './s3-download-backup.js';
export { S3DestinationError } from './s3-errors.js';
export { META, type S3FileResult, TAGS } from './s3-file-upload.js';
export { objectKey, parseS3Url, type S3Location } from './s3-location.js';
export { s3RequestHandler } from './s3-request-handler.js';
export {
  networkSettings,
  type S3VerifiedFile,
  type S3VerifyStatus,
  type VerifyS3Options,
  type VerifyS3Result,
  verifyS3,
} from './s3-verify.js';
