// The published shape: built ESM with types, and every entry point resolves from a plain Node
// script (no `source` condition, no TypeScript), as a user's program would import them.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkgDir = fileURLToPath(new URL('../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${pkgDir}package.json`, 'utf8'));

describe('@dds-backup/client as published', () => {
  it('every export points at built JS and .d.ts files', () => {
    for (const [subpath, target] of Object.entries(pkg.exports as Record<string, Record<string, string> | string>)) {
      if (typeof target === 'string') continue;
      expect(existsSync(`${pkgDir}${target.default}`), `${subpath} -> ${target.default} (run npm run build)`).toBe(
        true,
      );
      expect(existsSync(`${pkgDir}${target.types}`), `${subpath} -> ${target.types}`).toBe(true);
    }
    expect(pkg.type).toBe('module');
  });

  it('resolves from a plain Node script', () => {
    const script = `
      const client = await import('@dds-backup/client');
      const download = await import('@dds-backup/client/download');
      const mirror = await import('@dds-backup/client/mirror');
      const s3 = await import('@dds-backup/client/s3');
      console.log(JSON.stringify([typeof client.createClient, typeof client.tokenCredentials, typeof download.downloadBackup, typeof download.verifyDownload, typeof mirror.mirrorBackups, typeof s3.downloadBackupToS3, typeof s3.verifyS3]));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: pkgDir, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(Array(7).fill('function'));
  });

  // The public surfaces are deliberate: a name added here is an API to keep. Retry internals, the
  // pager, the secret registry, the answer-size cap, the lock and the checksum helpers are not in
  // them; tests import those from their modules.
  it.each([
    [
      '@dds-backup/client',
      [
        'AbortError',
        'ApiError',
        'ConfigurationError',
        'CredentialsError',
        'DdsBackupError',
        'ENVIRONMENT_VARIABLES',
        'NetworkError',
        'ProxyError',
        'ResponseFormatError',
        'ResponseTooLargeError',
        'RetryLaterError',
        'TimeoutError',
        'TlsVerificationError',
        'VERSION',
        'akskCredentials',
        'backupTime',
        'createClient',
        'credentialsFromEnvironment',
        'formatBytes',
        'getDownloadLinks',
        'isStatus',
        'latestBackup',
        'listBackups',
        'listInstances',
        'passwordCredentials',
        'redact',
        'redactUrl',
        'tokenCredentials',
        'unwrap',
      ],
    ],
    [
      '@dds-backup/client/download',
      [
        'Budget',
        'CorruptManifestError',
        'DirectoryBusyError',
        'EmptyBackupError',
        'FileExistsError',
        'IncompleteDownloadError',
        'InsufficientSpaceError',
        'InvalidLinkError',
        'ListingChangedError',
        'MANIFEST_NAME',
        'ObjectChangedError',
        'ObjectResponseError',
        'ObjectStorageError',
        'PART_SUFFIX',
        'SIZE_ONLY',
        'UnsafeFileNameError',
        'VerificationError',
        'WriteError',
        'downloadBackup',
        'printableName',
        'unsafeNameReason',
        'verifyDownload',
        'writeFileAtomic',
      ],
    ],
    ['@dds-backup/client/mirror', ['MIRROR_MANIFEST_NAME', 'MirrorManifest', 'MirrorManifestError', 'mirrorBackups']],
    [
      '@dds-backup/client/s3',
      [
        'META',
        'ObjectExistsError',
        'S3DestinationError',
        'TAGS',
        'downloadBackupToS3',
        'networkSettings',
        'objectKey',
        'parseS3Url',
        's3RequestHandler',
        'verifyS3',
      ],
    ],
  ])('%s exports exactly what a user needs', async (specifier, names) => {
    expect(Object.keys(await import(specifier)).sort()).toEqual(names);
  });
});
