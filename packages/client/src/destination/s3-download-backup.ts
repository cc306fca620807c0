import {
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { DdsClient } from '../client.js';
import { Budget, forEachLimit } from '../download/budget.js';
import { EmptyBackupError } from '../download/errors.js';
import { backupDoneEvent, type DownloadEvent, emitter } from '../download/events.js';
import { http1Transport } from '../download/http1-transport.js';
import { assertFetchableLink } from '../download/link-check.js';
import { LinksCache } from '../download/links-cache.js';
import { assertSafeNames } from '../download/safe-name.js';
import { checksumOf, requireServerChecksum } from '../download/verify.js';
import { AbortError, ConfigurationError, DdsBackupError } from '../errors.js';
import { PartBufferPool } from './part-buffer-pool.js';
import { DEFAULT_PART_BYTES, MIN_PART_BYTES } from './part-size.js';
import { S3DestinationError, toS3Error } from './s3-errors.js';
import { META, type S3Context, type S3FileResult, S3FileUpload, TAGS } from './s3-file-upload.js';
import { objectKey, parseS3Url } from './s3-location.js';
import { s3RequestHandler } from './s3-request-handler.js';
import { lockUploadState, UploadState } from './s3-upload-state.js';

/** How to reach the S3-compatible server. Credentials come from the AWS SDK's default chain unless given. */
export interface S3Settings {
  /** `https://minio.internal:9000`; default: AWS for the region. */
  endpoint?: string;
  /** Default: AWS_REGION / the profile's region, else `us-east-1` (MinIO and Ceph ignore it). */
  region?: string;
  /** Path-style addressing (`ENDPOINT/BUCKET/KEY`), which MinIO, Ceph and s3rver need. */
  forcePathStyle?: boolean;
  /** Explicit credentials (tests); default: the SDK's chain (AWS_ACCESS_KEY_ID..., AWS_PROFILE, ~/.aws). */
  credentials?: S3ClientConfig['credentials'];
  /**
   * The SDK's HTTP handler. Default (downloadBackupToS3, mirror): `s3RequestHandler(client.network)`,
   * the client's proxy (`--proxy`, HTTPS_PROXY/NO_PROXY) and CAs (`--ca-file`).
   */
  requestHandler?: S3ClientConfig['requestHandler'];
}

export interface DownloadToS3Options {
  client: DdsClient;
  instanceId: string;
  backupId: string;
  /** `s3://BUCKET/PREFIX`: objects go to `PREFIX/{instance_id}/{backup_id}/{file}`. */
  to: string;
  s3?: S3Settings;
  /** Files at once (default 4). */
  concurrency?: number;
  /** Parts of one file fetched and uploaded at once (default 4; each holds one part in memory). */
  partsPerFile?: number;
  /** Requests in flight (GETs from OBS and part uploads) across all files (default max(concurrency, partsPerFile)). */
  maxConnections?: number;
  /** Preferred part size in bytes (default 16 MiB, at least 5 MiB: S3's minimum); raised for files over 156 GiB. */
  partSize?: number;
  budget?: Budget;
  /**
   * The resume state file (upload ids and confirmed parts). Default:
   * `$XDG_STATE_HOME/dds-backup/s3/BUCKET-HASH.json` (XDG_STATE_HOME default ~/.local/state).
   */
  statePath?: string;
  /**
   * The resume state already loaded (the mirror shares one between the backups it uploads at
   * once: two loads of one file would each save only their own uploads). Replaces statePath.
   */
  state?: UploadState;
  /**
   * Part memory, reused across parts and files (default: a pool of this call; the mirror shares
   * one between its backups, so a long mirror run allocates its parts once).
   */
  buffers?: PartBufferPool;
  /** Environment for the state directory (default process.env). */
  env?: Record<string, string | undefined>;
  verify?: boolean;
  /**
   * A file the server gives no checksum for (multipart, weak or missing ETag) fails verification
   * (exit 6): a new one at its first response, before its upload starts; one already in the
   * bucket tagged `size-only` instead of being skipped.
   */
  requireChecksum?: boolean;
  /** Replace objects under our keys that this tool did not write and verify (default false: refuse). */
  force?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: DownloadEvent) => void;
  stallTimeoutMs?: number;
  speedLimit?: number;
  speedTimeMs?: number;
  refreshMarginMs?: number;
  now?: () => number;
}

export interface DownloadToS3Result {
  instanceId: string;
  backupId: string;
  bucket: string;
  files: S3FileResult[];
  bytes: number;
  transferredBytes: number;
}

/** An object under one of our keys that this tool did not write (or did not verify): not overwritten without force. */
export class ObjectExistsError extends DdsBackupError {
  override name = 'ObjectExistsError';
  override readonly kind = 'OBJECT_EXISTS';
  constructor(
    readonly keys: string[],
    bucket: string,
  ) {
    super(
      `${keys.length} object(s) already in bucket ${bucket} were not written and verified by dds-backup for this backup: ${keys
        .slice(0, 5)
        .join(', ')}${keys.length > 5 ? ', ...' : ''}. Move them away, or pass --force to replace them.`,
    );
  }
}

/** The S3 client the destination uses: Content-MD5 only (no default trailing checksums, which many S3-compatible servers refuse). */
export function createS3Client(settings: S3Settings = {}): S3Client {
  return new S3Client({
    region: settings.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle === true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    ...(settings.requestHandler ? { requestHandler: settings.requestHandler } : {}),
  });
}

/**
 * Streams every file of a backup into an S3-compatible bucket, one multipart upload per file,
 * without touching the local disk. Same link refresh, retries and checks as `downloadBackup`;
 * each object's size and ETag are read back after completion, and it is tagged with its SHA-256.
 * An object already there that this tool wrote and verified for the same file is skipped.
 *
 * Throws: ConfigurationError (bad s3:// URL), CredentialsError (S3 refused the keys),
 * S3DestinationError (missing bucket, other S3 refusal; `retryable` for 5xx), ObjectExistsError,
 * VerificationError, IncompleteDownloadError/NetworkError (resumable), AbortError, and the
 * API's errors as `downloadBackup`.
 */
export async function downloadBackupToS3(options: DownloadToS3Options): Promise<DownloadToS3Result> {
  const started = Date.now();
  const { client, instanceId, backupId } = options;
  const location = parseS3Url(options.to);
  const concurrency = positive('concurrency', options.concurrency, 4);
  const partsPerFile = positive('partsPerFile', options.partsPerFile, 4);
  const maxConnections = positive('maxConnections', options.maxConnections, Math.max(concurrency, partsPerFile));
  const partSize = positive('partSize', options.partSize, DEFAULT_PART_BYTES);
  if (partSize < MIN_PART_BYTES)
    throw new ConfigurationError(`partSize must be at least 5 MiB (S3's smallest part), got ${partSize}.`);
  if (options.requireChecksum === true && options.verify === false)
    throw new ConfigurationError(
      'requireChecksum (--require-checksum) needs verification: do not combine it with verify: false (--no-verify).',
    );
  const emit = emitter(options.onEvent);
  // S3 traffic takes the client's proxy and CAs, as the API calls and the object GETs do.
  const s3 = createS3Client({ requestHandler: s3RequestHandler(client.network), ...options.s3 });
  const run = new AbortController();
  const user = options.signal;
  if (user?.aborted) throw new AbortError();
  const onUserAbort = () => run.abort(new AbortError());
  user?.addEventListener('abort', onUserAbort, { once: true });
  let unlockState: (() => Promise<void>) | undefined;
  try {
    const links = await client.getDownloadLinks({ instanceId, backupId, signal: run.signal });
    emit({
      type: 'link',
      instanceId,
      backupId,
      bucket: links.bucket,
      files: links.files.map((f) => ({ name: f.name, sizeKB: f.sizeKB, expiresAt: f.expiresAt.toISOString() })),
    });
    if (links.files.length === 0) throw new EmptyBackupError(instanceId, backupId);
    assertSafeNames(links.files.map((f) => f.name));
    for (const f of links.files) assertFetchableLink(f.name, f.url);

    // Before any transfer: what is already in the bucket (ours and verified: skipped; anything
    // else under our keys: refused unless force). This also proves the bucket and the keys.
    const results = new Map<string, S3FileResult>();
    const todo: { link: (typeof links.files)[number]; key: string }[] = [];
    const foreign: string[] = [];
    for (const link of links.files) {
      const key = objectKey(location, instanceId, backupId, link.name);
      const existing = await existingObject(s3, location.bucket, key, {
        instanceId,
        backupId,
        file: link.name,
        sizeKB: link.sizeKB,
      });
      if (existing?.verified && options.requireChecksum === true && !existing.verified.md5Verified)
        requireServerChecksum(link.name, existing.sourceEtag === undefined ? undefined : `"${existing.sourceEtag}"`);
      if (existing?.verified) {
        results.set(link.name, existing.verified);
        emit(doneEvent(existing.verified, location.bucket));
      } else if (existing && !existing.ours && options.force !== true) foreign.push(key);
      else todo.push({ link, key });
    }
    if (foreign.length > 0) throw new ObjectExistsError(foreign, location.bucket);

    // Our own state (not the mirror's, which holds this lock for its whole run): locked first.
    let state = options.state;
    if (!state) {
      const path =
        options.statePath ?? UploadState.defaultPath(options.env ?? process.env, options.s3?.endpoint, location.bucket);
      unlockState = await lockUploadState(path, location.bucket);
      state = await UploadState.load(path);
    }
    // Object GETs go over the engine's own HTTP/1.1 client, with the client's proxy and CA settings.
    const transport = http1Transport(maxConnections, client.network);
    const ctx: S3Context = {
      s3,
      bucket: location.bucket,
      verify: options.verify !== false,
      requireChecksum: options.requireChecksum === true,
      partsInFlight: partsPerFile,
      state,
      partSize,
      transport,
      links: new LinksCache({
        client,
        instanceId,
        backupId,
        initial: links,
        refreshMarginMs: options.refreshMarginMs ?? 60_000,
        now: options.now ?? Date.now,
        signal: run.signal,
        onRefresh: (reason, file, expiresAt) =>
          emit({ type: 'refresh', reason, file, expiresAt: expiresAt.toISOString() }),
      }),
      budget: options.budget ?? new Budget(maxConnections),
      buffers: options.buffers ?? new PartBufferPool(concurrency * partsPerFile),
      retry: client.retry,
      signal: run.signal,
      stallTimeoutMs: options.stallTimeoutMs ?? 30_000,
      speedLimit: options.speedLimit ?? 1024,
      speedTimeMs: options.speedTimeMs ?? 30_000,
      emit,
    };
    try {
      await forEachLimit(todo, concurrency, async ({ link, key }) => {
        emit({
          type: 'file-start',
          file: link.name,
          path: `s3://${location.bucket}/${key}`,
          totalBytes: null,
          sizeKB: link.sizeKB,
          resumedBytes: 0,
        });
        try {
          const metadata = {
            [META.instance]: instanceId,
            [META.backup]: backupId,
            [META.file]: encodeURIComponent(link.name),
            [META.sizeKB]: String(link.sizeKB),
          };
          let result: S3FileResult;
          try {
            result = await new S3FileUpload(ctx, link, key, metadata).run();
          } catch (error) {
            // The upload an earlier run recorded is gone server-side (aborted by a lifecycle rule
            // or by hand): forget it and upload the file from the start, once.
            if (!(error instanceof S3DestinationError && error.code === 'NoSuchUpload')) throw error;
            state.delete(key);
            await state.save();
            result = await new S3FileUpload(ctx, link, key, metadata).run();
          }
          results.set(link.name, result);
          emit(doneEvent(result, location.bucket));
        } catch (error) {
          run.abort(error);
          throw error;
        }
      });
    } catch (error) {
      if (user?.aborted)
        throw new AbortError(
          'Upload cancelled: unfinished multipart uploads were aborted; run the same command again.',
        );
      throw error;
    } finally {
      transport.close();
    }
    const files = links.files.map((f) => results.get(f.name)!);
    const done = backupDoneEvent(files, files.filter((f) => f.skipped).length, started);
    emit(done);
    const { bytes, transferredBytes } = done;
    return { instanceId, backupId, bucket: location.bucket, files, bytes, transferredBytes };
  } finally {
    user?.removeEventListener('abort', onUserAbort);
    await unlockState?.().catch(() => {});
    s3.destroy();
  }
}

/**
 * What is under `key`: nothing (undefined), an object this tool wrote and verified for this
 * very file (metadata and tags match: `verified`), one it wrote for this file but never
 * verified (`ours`: a run stopped between completing and tagging it; uploaded again), or
 * something else (`{}`).
 */
async function existingObject(
  s3: S3Client,
  bucket: string,
  key: string,
  want: { instanceId: string; backupId: string; file: string; sizeKB: number },
): Promise<{ verified?: S3FileResult; sourceEtag?: string; ours?: true } | undefined> {
  let head: HeadObjectCommandOutput;
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const name = (error as { name?: string }).name;
    // HEAD has no body: a missing bucket and a missing key are both a bare 404.
    if (status === 404 && name !== 'NoSuchBucket') {
      await assertBucketExists(s3, bucket, `looking up ${key}`);
      return undefined;
    }
    throw toS3Error(error, `look up ${key}`, bucket);
  }
  const m = head.Metadata ?? {};
  const ours =
    m[META.instance] === want.instanceId &&
    m[META.backup] === want.backupId &&
    m[META.file] === encodeURIComponent(want.file) &&
    m[META.sizeKB] === String(want.sizeKB);
  if (!ours) return {};
  const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key })).catch((error) => {
    throw toS3Error(error, `read the tags of ${key}`, bucket);
  });
  const tag = (k: string) => tags.TagSet?.find((t) => t.Key === k)?.Value;
  const sha256 = tag(TAGS.sha256);
  const md5 = tag(TAGS.md5);
  const verified = tag(TAGS.verified);
  if (!sha256 || !md5 || !verified) return { ours: true };
  const bytes = head.ContentLength ?? 0;
  const sourceEtag = m[META.sourceEtag];
  const partSize = Number(m[META.partSize]);
  return {
    ...(sourceEtag !== undefined ? { sourceEtag } : {}),
    verified: {
      name: want.file,
      key,
      bytes,
      parts: Math.max(1, Math.ceil(bytes / partSize)),
      partSize,
      etag: head.ETag ?? '',
      md5,
      md5Verified: verified === 'md5',
      sha256,
      checksum: checksumOf(sourceEtag === undefined ? undefined : `"${sourceEtag}"`),
      skipped: true,
      transferredBytes: 0,
    },
  };
}

/**
 * HeadBucket: a missing bucket is an S3DestinationError (exit 1), refused credentials a
 * CredentialsError (exit 3). Also tells a missing bucket from a missing key after a bare 404 on
 * HEAD of an object. `what` names the step in the message.
 */
export async function assertBucketExists(s3: S3Client, bucket: string, what: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404)
      throw new S3DestinationError(
        `The bucket ${bucket} does not exist (${what}): create it, or check --to s3://BUCKET/..., --s3-endpoint and --s3-region.`,
        { code: 'NoSuchBucket', status },
      );
    throw toS3Error(error, what, bucket);
  }
}

function doneEvent(r: S3FileResult, bucket: string): DownloadEvent {
  return {
    type: 'file-done',
    file: r.name,
    path: `s3://${bucket}/${r.key}`,
    bytes: r.bytes,
    md5: r.md5Verified ? r.md5 : null,
    md5Verified: r.md5Verified,
    sha256: r.sha256,
    checksum: r.checksum,
    skipped: r.skipped,
    transferredBytes: r.transferredBytes,
  };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new ConfigurationError(`${name} must be a positive integer, got ${value}.`);
  return value;
}
