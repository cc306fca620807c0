import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import type { NetworkSettings } from '../client.js';
import { ConfigurationError } from '../errors.js';
import { MIRROR_MANIFEST_NAME, MirrorManifest } from '../mirror/mirror-manifest.js';
import { proxyResolver } from '../network/proxy-env.js';
import { trustedCas } from '../network/trusted-cas.js';
import { createS3Client, type S3Settings } from './s3-download-backup.js';
import { toS3Error } from './s3-errors.js';
import { META, TAGS } from './s3-file-upload.js';
import { objectKey, parseS3Url } from './s3-location.js';
import { s3MirrorStateDir } from './s3-mirror-store.js';
import { s3RequestHandler } from './s3-request-handler.js';

/**
 * `ok`; `missing` (no object under the key); `size-mismatch`; `not-ours` (the object's metadata
 * does not say dds-backup wrote it for this file: replaced); `etag-mismatch` (another object
 * than the one verified); `sha256-mismatch` (the SHA-256 tag, or with recheck the bytes read
 * back, differ from the recorded SHA-256); `unverified` (ours, but never tagged as verified).
 */
export type S3VerifyStatus =
  | 'ok'
  | 'missing'
  | 'size-mismatch'
  | 'not-ours'
  | 'etag-mismatch'
  | 'sha256-mismatch'
  | 'unverified';

export interface S3VerifiedFile {
  instanceId: string;
  backupId: string;
  name: string;
  key: string;
  status: S3VerifyStatus;
  bytes: number | undefined;
  /** True when the object's bytes were read back and hashed (recheck); false: size, ETag, metadata and tags only. */
  contentHashed: boolean;
}

export interface VerifyS3Options {
  /** `s3://BUCKET/PREFIX`, as given to `download --to` or `mirror --to`. */
  to: string;
  s3?: S3Settings;
  /** The reference: `mirror` (the mirror manifest of this bucket and prefix) or `objects` (each object's own metadata and tags, for one backup). Default: the mirror manifest when there is one, else objects. */
  instanceId?: string;
  backupId?: string;
  /** Read every object back and hash it (costs the object's size in egress). */
  recheck?: boolean;
  /** Proxy and CAs (default: the environment's proxy variables, Node's CAs). */
  network?: NetworkSettings;
  env?: Record<string, string | undefined>;
  /** The mirror's state directory (default as `mirror --to`). */
  stateDir?: string;
  signal?: AbortSignal;
}

export interface VerifyS3Result {
  /** Where the expected values came from. */
  reference: 'mirror-manifest' | 'object-tags';
  manifestPath: string | undefined;
  files: S3VerifiedFile[];
}

/** The network settings of a caller without an API client (verify): proxy and CAs as createClient reads them. */
export function networkSettings(options: {
  proxy?: string | false;
  ca?: string | Buffer;
  env?: Record<string, string | undefined>;
}): NetworkSettings {
  return {
    proxy: proxyResolver({ proxy: options.proxy, env: options.env }),
    ca: trustedCas(options.ca ? [options.ca] : undefined, options.env),
  };
}

/**
 * Re-checks what is in the bucket against what was verified when it was written. The reference
 * is the mirror manifest of `s3://BUCKET/PREFIX` (its verified backups, optionally one instance
 * or backup), else (no mirror there, `download --to`) the objects under
 * `PREFIX/INSTANCE/BACKUP/` with the metadata and tags dds-backup wrote. Without `recheck` it
 * compares what S3 reports (size, ETag, metadata, the SHA-256 tag): it proves the object is the
 * one verified, not that its bytes are still readable; `recheck` streams each object and hashes it.
 *
 * Throws: ConfigurationError (nothing to verify), CredentialsError, S3DestinationError.
 */
export async function verifyS3(options: VerifyS3Options): Promise<VerifyS3Result> {
  const location = parseS3Url(options.to);
  const env = options.env ?? process.env;
  const s3 = createS3Client({
    requestHandler: s3RequestHandler(options.network ?? networkSettings({ env })),
    ...options.s3,
  });
  const bucket = location.bucket;
  try {
    type Expected = {
      instanceId: string;
      backupId: string;
      name: string;
      key: string;
      bytes?: number;
      etag?: string;
      sha256?: string;
    };
    const expected: Expected[] = [];
    const stateDir = options.stateDir ?? s3MirrorStateDir(env, options.s3?.endpoint, bucket, location.prefix);
    const manifestPath = join(stateDir, MIRROR_MANIFEST_NAME);
    const hasManifest = await access(manifestPath).then(
      () => true,
      () => false,
    );
    if (hasManifest) {
      const manifest = await MirrorManifest.load(stateDir);
      for (const r of manifest.records()) {
        if (r.state !== 'verified') continue;
        if (options.instanceId && r.instanceId !== options.instanceId) continue;
        if (options.backupId && r.backupId !== options.backupId) continue;
        for (const f of r.files ?? [])
          expected.push({
            instanceId: r.instanceId,
            backupId: r.backupId,
            name: f.name,
            key: f.key ?? objectKey(location, r.instanceId, r.backupId, f.name),
            bytes: f.bytes,
            ...(f.etag ? { etag: f.etag } : {}),
            sha256: f.sha256,
          });
      }
    } else {
      if (!options.instanceId || !options.backupId)
        throw new ConfigurationError(
          `No mirror manifest for ${options.to} (looked for ${manifestPath}): pass --instance-id and --backup-id to verify a backup uploaded with download --to, against the metadata and tags written with each object.`,
        );
      const prefix = `${objectKey(location, options.instanceId, options.backupId, '')}/`.replace(/\/+$/, '/');
      let token: string | undefined;
      do {
        const page = await s3
          .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))
          .catch((error) => {
            throw toS3Error(error, `list ${prefix}`, bucket);
          });
        for (const o of page.Contents ?? [])
          expected.push({
            instanceId: options.instanceId,
            backupId: options.backupId,
            name: o.Key!.slice(prefix.length),
            key: o.Key!,
          });
        token = page.NextContinuationToken;
      } while (token);
    }
    if (expected.length === 0)
      throw new ConfigurationError(
        hasManifest
          ? `The mirror manifest ${manifestPath} lists no verified backup${options.instanceId || options.backupId ? ' matching --instance-id/--backup-id' : ''}: nothing to verify.`
          : `No object under s3://${bucket}/${objectKey(location, options.instanceId!, options.backupId!, '')}: nothing to verify (check --to, --instance-id and --backup-id).`,
      );

    const files: S3VerifiedFile[] = [];
    for (const e of expected) {
      const out = (status: S3VerifyStatus, bytes?: number, contentHashed = false): S3VerifiedFile => ({
        instanceId: e.instanceId,
        backupId: e.backupId,
        name: e.name,
        key: e.key,
        status,
        bytes,
        contentHashed,
      });
      let head: HeadObjectCommandOutput;
      try {
        head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: e.key }), { abortSignal: options.signal });
      } catch (error) {
        if (
          (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404 &&
          (error as { name?: string }).name !== 'NoSuchBucket'
        ) {
          files.push(out('missing'));
          continue;
        }
        throw toS3Error(error, `look up ${e.key}`, bucket);
      }
      const bytes = head.ContentLength;
      const m = head.Metadata ?? {};
      const ours =
        m[META.instance] === e.instanceId &&
        m[META.backup] === e.backupId &&
        m[META.file] === encodeURIComponent(e.name);
      if (!ours) {
        files.push(out('not-ours', bytes));
        continue;
      }
      const size = e.bytes ?? Number(m[META.size]);
      if (bytes !== size) {
        files.push(out('size-mismatch', bytes));
        continue;
      }
      if (e.etag !== undefined && head.ETag !== e.etag) {
        files.push(out('etag-mismatch', bytes));
        continue;
      }
      const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: e.key })).catch((error) => {
        throw toS3Error(error, `read the tags of ${e.key}`, bucket);
      });
      const tag = (k: string) => tags.TagSet?.find((t) => t.Key === k)?.Value;
      const sha256 = e.sha256 ?? tag(TAGS.sha256);
      if (!sha256 || !tag(TAGS.verified)) {
        files.push(out('unverified', bytes));
        continue;
      }
      if (tag(TAGS.sha256) !== sha256) {
        files.push(out('sha256-mismatch', bytes));
        continue;
      }
      if (options.recheck) {
        const hash = createHash('sha256');
        const o = await s3
          .send(new GetObjectCommand({ Bucket: bucket, Key: e.key }), { abortSignal: options.signal })
          .catch((error) => {
            throw toS3Error(error, `read back ${e.key}`, bucket);
          });
        let read = 0;
        for await (const chunk of o.Body as AsyncIterable<Uint8Array>) {
          hash.update(chunk);
          read += chunk.byteLength;
        }
        files.push(
          out(read !== size ? 'size-mismatch' : hash.digest('hex') === sha256 ? 'ok' : 'sha256-mismatch', bytes, true),
        );
        continue;
      }
      files.push(out('ok', bytes));
    }
    return {
      reference: hasManifest ? 'mirror-manifest' : 'object-tags',
      manifestPath: hasManifest ? manifestPath : undefined,
      files,
    };
  } finally {
    s3.destroy();
  }
}
