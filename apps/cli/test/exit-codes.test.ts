import { readFileSync } from 'node:fs';
import * as client from '@dds-backup/client';
import * as download from '@dds-backup/client/download';
import * as mirror from '@dds-backup/client/mirror';
import * as s3 from '@dds-backup/client/s3';
import { UnknownRegionError } from '@dds-backup/contract';
import { describe, expect, it } from 'vitest';
import { EXIT, EXIT_CODE_BY_KIND, EXIT_CODES, exitCodeOf, kindOf } from '../src/exit-codes.js';
import { renderMainHelp } from '../src/help.js';
import { UsageError } from '../src/usage-error.js';

const { ApiError, NetworkError } = client;

/**
 * Instances of every error class, each with the exit code the CLI documents for it. An exported
 * class missing here fails the first test: add a sample, and a row in EXIT_CODE_BY_KIND for a new kind.
 */
const SAMPLES: Record<string, ReadonlyArray<readonly [Error, number]>> = {
  DdsBackupError: [
    [new client.DdsBackupError('x'), 1],
    [new client.DdsBackupError('x', { retryable: true }), 5],
  ],
  ApiError: [
    [new ApiError({ operation: 'ListBackups', status: 404, errorCode: 'DBS.200002' }), 4],
    [new ApiError({ operation: 'ShowBackupDownloadLink', status: 400, errorCode: 'DBS.201214' }), 4],
    [new ApiError({ operation: 'ListBackups', status: 401, errorCode: 'APIGW.0301' }), 3],
    [new ApiError({ operation: 'ListBackups', status: 403 }), 3],
    [new ApiError({ operation: 'ListBackups', status: 503 }), 5],
    [new ApiError({ operation: 'ListBackups', status: 400 }), 1],
  ],
  NetworkError: [
    [new NetworkError('reset'), 5],
    [new NetworkError('bad url', undefined, { retryable: false, code: 'ERR_INVALID_URL' }), 1],
  ],
  TimeoutError: [[new client.TimeoutError('slow'), 5]],
  AbortError: [[new client.AbortError(), 130]],
  CredentialsError: [[new client.CredentialsError('none'), 3]],
  ConfigurationError: [[new client.ConfigurationError('bad'), 2]],
  ResponseFormatError: [[new client.ResponseFormatError('odd'), 1]],
  ResponseTooLargeError: [[new client.ResponseTooLargeError('ListBackups', 200, 1 << 30, 1 << 24), 1]],
  RetryLaterError: [[new client.RetryLaterError(new ApiError({ operation: 'ListBackups', status: 429 }), 3600, 60), 5]],
  ProxyError: [
    [new client.ProxyError('http://proxy:3128', 407, 'auth'), 3],
    [new client.ProxyError('http://proxy:3128', 502, 'bad gateway'), 5],
    [new client.ProxyError('http://proxy:3128', 403, 'forbidden'), 1],
  ],
  TlsVerificationError: [[new client.TlsVerificationError('h', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed'), 1]],
  ObjectStorageError: [
    [new download.ObjectStorageError({ file: 'f', status: 404, errorCode: 'NoSuchKey' }), 4],
    [new download.ObjectStorageError({ file: 'f', status: 403, errorCode: 'AccessDenied' }), 3],
    [new download.ObjectStorageError({ file: 'f', status: 503 }), 5],
  ],
  VerificationError: [[new download.VerificationError({ file: 'f', check: 'md5', expected: 'a', actual: 'b' }), 6]],
  InvalidLinkError: [[new download.InvalidLinkError('f', 'ftp: link'), 1]],
  EmptyBackupError: [[new download.EmptyBackupError('i', 'b'), 1]],
  ListingChangedError: [[new download.ListingChangedError('b', ['f added']), 1]],
  UnsafeFileNameError: [[new download.UnsafeFileNameError('../f', 'a path'), 1]],
  FileExistsError: [[new download.FileExistsError(['f']), 1]],
  InsufficientSpaceError: [[new download.InsufficientSpaceError('/d', 10, 1), 1]],
  IncompleteDownloadError: [[new download.IncompleteDownloadError('f', new NetworkError('reset')), 5]],
  ObjectResponseError: [
    [new download.ObjectResponseError('f', 'short body'), 5],
    [new download.ObjectResponseError('f', 'odd', { retryable: false }), 1],
  ],
  ObjectChangedError: [[new download.ObjectChangedError('f', 'ETag changed'), 1]],
  WriteError: [[new download.WriteError('/d/f', Object.assign(new Error('full'), { code: 'ENOSPC' })), 1]],
  CorruptManifestError: [[new download.CorruptManifestError('/d/m', 'not JSON'), 1]],
  DirectoryBusyError: [[new download.DirectoryBusyError('/d', 'pid 1'), 1]],
  MirrorManifestError: [[new mirror.MirrorManifestError('/d/m', 'not JSON'), 1]],
  S3DestinationError: [
    [new s3.S3DestinationError('no bucket', { code: 'NoSuchBucket', status: 404 }), 1],
    [new s3.S3DestinationError('busy', { status: 503, retryable: true }), 5],
  ],
  ObjectExistsError: [[new s3.ObjectExistsError(['k'], 'bucket'), 1]],
};

const exportedErrorClasses = () =>
  Object.entries({ ...client, ...download, ...mirror, ...s3 })
    .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
    .map(([name, value]) => [name, value as new (...args: never[]) => Error] as const);

const documented = new Set<number>(EXIT_CODES.map(([code]) => code));

describe('exit codes: one table keyed by the error kind', () => {
  it('has a sample for every error class @dds-backup/client and its subpaths export', () => {
    const classes = exportedErrorClasses();
    expect(classes.length).toBeGreaterThan(25);
    expect(classes.map(([name]) => name).filter((name) => !(name in SAMPLES))).toEqual([]);
  });

  it.each(
    Object.entries(SAMPLES).flatMap(([name, samples]) => samples.map(([error, code]) => [name, error, code] as const)),
  )('%s: %s exits %i, a documented code, by a kind the table lists', (name, error, code) => {
    expect(error.name).toBe(name);
    expect(kindOf(error)).toBeDefined();
    expect(documented.has(exitCodeOf(error))).toBe(true);
    expect(exitCodeOf(error)).toBe(code);
  });

  it('every kind in the table belongs to an exported class (no dead rows)', () => {
    const kinds = new Set(Object.values(SAMPLES).flatMap((samples) => samples.map(([error]) => kindOf(error))));
    kinds.add(kindOf(new UsageError('x')));
    kinds.add(kindOf(new UnknownRegionError('xx-1')));
    expect(Object.keys(EXIT_CODE_BY_KIND).filter((kind) => !kinds.has(kind as never))).toEqual([]);
  });

  it('errors from outside the client: usage 2, unknown region 2, a platform AbortError by the signal', () => {
    expect(exitCodeOf(new UsageError('bad flag'))).toBe(EXIT.USAGE);
    expect(exitCodeOf(new UnknownRegionError('xx-1'))).toBe(EXIT.USAGE);
    const aborted = new DOMException('aborted', 'AbortError');
    const stop = (signal: string) => AbortSignal.abort(Object.assign(new Error(signal), { signal }));
    expect(exitCodeOf(aborted, stop('SIGINT'))).toBe(EXIT.SIGINT);
    expect(exitCodeOf(aborted, stop('SIGTERM'))).toBe(EXIT.SIGTERM);
    expect(exitCodeOf(new client.AbortError(), stop('SIGTERM'))).toBe(EXIT.SIGTERM);
  });

  it('an error of no known kind is 5 only when it says it is retryable', () => {
    expect(exitCodeOf(new Error('boom'))).toBe(EXIT.FAILURE);
    expect(exitCodeOf(Object.assign(new Error('later'), { retryable: true }))).toBe(EXIT.RESUMABLE);
    expect(exitCodeOf(Object.assign(new Error('odd'), { kind: 'NOT_A_KIND', retryable: false }))).toBe(EXIT.FAILURE);
  });

  it('--help and the README list exactly the codes of the table', () => {
    const help = renderMainHelp('0.0.0');
    for (const [code, text] of EXIT_CODES) expect(help).toContain(`${String(code).padEnd(5)}${text}`);
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| (\d+) \| /gm)].map((m) => Number(m[1]));
    expect(rows).toEqual(EXIT_CODES.map(([code]) => code));
  });
});
