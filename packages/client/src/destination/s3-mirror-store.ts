import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { DdsClient } from '../client.js';
import type { MirroredBackup, MirroredFile } from '../mirror/mirror-manifest.js';
import type { MirrorStore, S3MirrorSettings } from '../mirror/mirror-store.js';
import { PartBufferPool } from './part-buffer-pool.js';
import { assertBucketExists, createS3Client, downloadBackupToS3 } from './s3-download-backup.js';
import { toS3Error } from './s3-errors.js';
import { META, TAGS } from './s3-file-upload.js';
import { objectKey, parseS3Url } from './s3-location.js';
import { s3RequestHandler } from './s3-request-handler.js';
import { lockUploadState, UploadState } from './s3-upload-state.js';

/**
 * The lock and manifest of the mirror into `s3://BUCKET/PREFIX` at ENDPOINT:
 * `$XDG_STATE_HOME/dds-backup/s3/mirror-BUCKET-HASH/` (default `~/.local/state/...`; HASH of
 * endpoint, bucket and prefix, so two prefixes of one bucket are two mirrors with their own
 * retention, and two servers with a bucket of the same name do not share a manifest).
 */
export function s3MirrorStateDir(
  env: Record<string, string | undefined>,
  endpoint: string | undefined,
  bucket: string,
  prefix: string,
): string {
  const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  const hash = createHash('sha256')
    .update(`${endpoint ?? 'aws'}\0${bucket}\0${prefix}`)
    .digest('hex')
    .slice(0, 12);
  return join(base, 'dds-backup', 's3', `mirror-${bucket}-${hash}`);
}

/**
 * A mirror into a bucket: each backup is `downloadBackupToS3` (multipart streaming, resume,
 * read-back), a verified one is skipped while every recorded object is still the one written
 * (size, ETag, our metadata and SHA-256 tag: two requests per file, no API call), and retention
 * deletes only objects whose metadata says this tool wrote them for that backup and whose ETag
 * is the one recorded when they were verified: an object replaced since, or any other key under
 * the prefix, stays.
 */
export async function s3MirrorStore(
  to: string,
  settings: S3MirrorSettings,
  common: {
    client: DdsClient;
    concurrency: number;
    partsPerFile: number;
    parallelBackups?: number;
    requireChecksum?: boolean;
  },
): Promise<MirrorStore> {
  const location = parseS3Url(to);
  const env = settings.env ?? process.env;
  const { partSize, env: _env, stateDir, statePath, ...s3Settings } = settings;
  const s3 = createS3Client({ requestHandler: s3RequestHandler(common.client.network), ...s3Settings });
  const display = `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`;
  const keyOf = (record: MirroredBackup, f: MirroredFile) =>
    f.key ?? objectKey(location, record.instanceId, record.backupId, f.name);

  /** The object under the key if this tool wrote it for that backup file (else undefined), with its ETag. */
  async function ours(record: MirroredBackup, f: MirroredFile): Promise<{ etag: string; bytes: number } | undefined> {
    const key = keyOf(record, f);
    try {
      const head = await s3.send(new HeadObjectCommand({ Bucket: location.bucket, Key: key }));
      const m = head.Metadata ?? {};
      const mine =
        m[META.instance] === record.instanceId &&
        m[META.backup] === record.backupId &&
        m[META.file] === encodeURIComponent(f.name);
      return mine ? { etag: head.ETag ?? '', bytes: head.ContentLength ?? -1 } : undefined;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw toS3Error(error, `look up ${key}`, location.bucket);
    }
  }

  // Part memory shared by the backups of this run: allocated once, not once per backup.
  const buffers = new PartBufferPool(common.concurrency * common.partsPerFile * (common.parallelBackups ?? 1));
  // One resume state for every backup this mirror uploads (several at once).
  // Locked for the rest of the run (as download --to locks it): the two share the state file.
  let state: Promise<UploadState> | undefined;
  let unlockState: (() => Promise<void>) | undefined;
  const uploads = () =>
    (state ??= (async () => {
      const path = statePath ?? UploadState.defaultPath(env, settings.endpoint, location.bucket);
      unlockState = await lockUploadState(path, location.bucket);
      return UploadState.load(path);
    })());

  return {
    display,
    stateDir: stateDir ?? s3MirrorStateDir(env, settings.endpoint, location.bucket, location.prefix),
    // The bucket and the credentials are checked once, before any backup: a missing bucket or a
    // refused key stops the run with one error (exit 1 or 3), not one failure per backup.
    prepare: () => assertBucketExists(s3, location.bucket, 'checking the bucket before the mirror starts'),
    isIntact: async (record) => {
      if (record.state !== 'verified' || !record.files || record.files.length === 0) return false;
      for (const f of record.files) {
        const object = await ours(record, f);
        if (!object || object.bytes !== f.bytes || (f.etag !== undefined && object.etag !== f.etag)) return false;
        const tags = await s3
          .send(new GetObjectTaggingCommand({ Bucket: location.bucket, Key: keyOf(record, f) }))
          .catch((error) => {
            throw toS3Error(error, `read the tags of ${keyOf(record, f)}`, location.bucket);
          });
        if (tags.TagSet?.find((t) => t.Key === TAGS.sha256)?.Value !== f.sha256) return false;
      }
      return true;
    },
    copy: async (job, run) => {
      const result = await downloadBackupToS3({
        client: common.client,
        instanceId: job.instanceId,
        backupId: job.backupId,
        to,
        s3: s3Settings,
        env,
        concurrency: common.concurrency,
        partsPerFile: common.partsPerFile,
        budget: run.budget,
        ...(partSize !== undefined ? { partSize } : {}),
        state: await uploads(),
        buffers,
        ...(common.requireChecksum ? { requireChecksum: true } : {}),
        ...(run.signal ? { signal: run.signal } : {}),
        onEvent: run.onEvent,
      });
      const files: MirroredFile[] = result.files.map((f) => ({
        name: f.name,
        key: f.key,
        etag: f.etag,
        bytes: f.bytes,
        // An object has no mtime of ours; the ETag above is what tells it changed.
        mtimeMs: 0,
        sha256: f.sha256,
        md5: f.md5Verified ? f.md5 : null,
        checksum: f.checksum,
      }));
      return { result, files };
    },
    remove: async (record) => {
      let kept = false;
      for (const f of record.files ?? []) {
        const key = keyOf(record, f);
        const object = await ours(record, f);
        // Gone already: nothing to do. Not ours, or replaced since it was verified: not ours to delete.
        if (!object) {
          kept ||= await exists(s3, location.bucket, key);
          continue;
        }
        if (f.etag !== undefined && object.etag !== f.etag) {
          kept = true;
          continue;
        }
        await s3.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: key })).catch((error) => {
          throw toS3Error(error, `delete ${key}`, location.bucket);
        });
      }
      return { keptFolder: kept };
    },
    close: async () => {
      s3.destroy();
      await unlockState?.().catch(() => {});
    },
  };
}

async function exists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}
