import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mockPerTest, runCli, tempDir } from '../helpers.js';

// Objects travel over real sockets (the engine's only transport): the mock listens on 127.0.0.1:0.
const m = mockPerTest();
const { admin } = m;
const publishedFiles = (backupId: string) => m.files(backupId);
const TOKEN = 'cli-download-token-secret';

/** `dds-backup download` of a backup of the mock (default: the sharded one), in-process. */
const download = (
  dir: string,
  extra: string[] = [],
  options: {
    signal?: AbortSignal;
    tty?: boolean;
    ids?: { instanceId: string; backupId: string };
    /** Another endpoint (a server in front of the mock). */
    endpoint?: string;
    /** API calls through the mock's fetch handler, e.g. with an answer edited. */
    fetch?: (r: Request) => Promise<Response>;
  } = {},
) => {
  const { ids = m.mock.defaults.sharded, endpoint = m.url, ...rest } = options;
  return runCli(
    [
      ...['--endpoint', endpoint, '--project-id', m.mock.defaults.projectId, 'download'],
      ...['--instance-id', ids.instanceId, '--backup-id', ids.backupId, '--dir', dir, ...extra],
    ],
    { env: { DDS_BACKUP_TOKEN: TOKEN }, ...rest },
  );
};

/**
 * A server in front of the mock that answers what the mock answers, with the object responses'
 * MD5 ETag replaced by `etag`, as a corrupting cache would. Links point at it.
 */
const lyingServer = (etag: string) =>
  m.rewriting((answer) => {
    if (/^"[0-9a-f]{32}"$/.test(answer.headers.etag ?? '')) answer.headers.etag = etag;
  });

const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

describe('dds-backup download', () => {
  it('downloads every file, each equal to what the mock published; off a TTY progress has no carriage returns', async () => {
    const dir = await tempDir();
    const r = await download(dir);
    expect(r.code, r.stderr).toBe(0);
    const files = await publishedFiles(m.mock.defaults.sharded.backupId);
    for (const f of files) expect(await sha256(join(dir, f.name))).toBe(f.sha256);
    expect(r.stderr).toContain(`Downloaded ${files.length} file(s)`);
    expect(r.stderr).not.toContain('\r');
    expect(r.stderr).toMatch(/^done: /m);
    expect(r.stdout).toBe('');
    expect((await readdir(dir)).filter((n) => n.endsWith('.part'))).toEqual([]);
  });

  it('--json writes NDJSON events to stdout, one parseable object per line, without secrets', async () => {
    const dir = await tempDir();
    const r = await download(dir, ['--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const events = lines.map((l) => JSON.parse(l));
    const types = new Set(events.map((e) => e.type));
    for (const t of ['link', 'file-start', 'file-done', 'done']) expect(types).toContain(t);
    expect(events.at(-1).type).toBe('done');
    expect(r.stdout).not.toMatch(/Signature=|AccessKeyId=|cli-download-token-secret/);
  });

  it('re-running resumes: finished files are skipped, not fetched again', async () => {
    const dir = await tempDir();
    expect((await download(dir)).code).toBe(0);
    await admin('requests', undefined, 'DELETE');
    const again = await download(dir, ['--json']);
    expect(again.code).toBe(0);
    const done = again.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'file-done');
    expect(done.every((e) => e.skipped)).toBe(true);
    const journal = (await admin('requests')) as Array<{ path: string }>;
    expect(journal.filter((e) => e.path.startsWith('/obs/'))).toEqual([]);
  });

  it('does not overwrite a file it did not write (exit 1, says --force), and --force does', async () => {
    const dir = await tempDir();
    const [first] = await publishedFiles(m.mock.defaults.sharded.backupId);
    await writeFile(join(dir, first!.name), 'precious data');
    const r = await download(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--force');
    expect(await readFile(join(dir, first!.name), 'utf8')).toBe('precious data');
    expect((await download(dir, ['--force'])).code).toBe(0);
    expect(await sha256(join(dir, first!.name))).toBe(first!.sha256);
  });

  it('exit 5 when the network keeps failing, then the same command resumes and completes', async () => {
    const dir = await tempDir();
    await admin('faults', { target: 'download', kind: 'status', status: 503, times: 1000 });
    const failed = await download(dir, ['--retries', '0']);
    expect(failed.code, failed.stderr).toBe(5);
    expect(failed.stderr).toContain('run the same command again');
    await admin('faults', undefined, 'DELETE');
    const resumed = await download(dir);
    expect(resumed.code, resumed.stderr).toBe(0);
  });

  it('exit 130 when interrupted (the signal fires), then a resume completes', async () => {
    const dir = await tempDir();
    await admin('faults', { target: 'download', kind: 'throttle', bytes_per_second: 256 * 1024 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const interrupted = await download(dir, [], { signal: controller.signal });
    expect(interrupted.code, interrupted.stderr).toBe(130);
    expect(interrupted.stderr).toContain('resume');
    await admin('faults', undefined, 'DELETE');
    const resumed = await download(dir, ['--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    for (const f of await publishedFiles(m.mock.defaults.sharded.backupId))
      expect(await sha256(join(dir, f.name))).toBe(f.sha256);
  });

  it('exit 6 when a file does not match its ETag MD5; nothing lands under the final name', async () => {
    const dir = await tempDir();
    const lying = await lyingServer('"00000000000000000000000000000000"');
    const r = await download(dir, [], { ids: m.mock.defaults.replicaSet, endpoint: lying });
    expect(r.code, r.stderr).toBe(6);
    expect(r.stderr).toContain('failed verification (md5)');
    const [file] = await publishedFiles(m.mock.defaults.replicaSet.backupId);
    expect((await readdir(dir)).includes(file!.name)).toBe(false);
  });

  it('exit 4 for an unknown backup', async () => {
    const r = await download(await tempDir(), [], { ids: { ...m.mock.defaults.sharded, backupId: 'nope' } });
    expect(r.code).toBe(4);
  });

  it('a TTY gets progress bars on stderr', async () => {
    await admin('faults', { target: 'download', kind: 'throttle', bytes_per_second: 8 * 1024 * 1024 });
    const r = await download(await tempDir(), [], { tty: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/total\s+\[[#-]{20}\]/);
  });
});

describe('dds-backup verify', () => {
  it('passes on a fresh download and exits 6 once a file is altered or removed', async () => {
    const dir = await tempDir();
    expect((await download(dir)).code).toBe(0);
    const ok = await runCli(['verify', '--dir', dir]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('All');
    const [first, second] = await publishedFiles(m.mock.defaults.sharded.backupId);
    const path = join(dir, first!.name);
    const bytes = await readFile(path);
    bytes[100] = bytes[100]! ^ 0xff;
    await writeFile(path, bytes);
    const { rm } = await import('node:fs/promises');
    await rm(join(dir, second!.name));
    const bad = await runCli(['verify', '--dir', dir]);
    expect(bad.code).toBe(6);
    expect(bad.stdout).toContain(`BAD  ${second!.name}: MISSING`);
    expect(bad.stdout).toMatch(
      new RegExp(`BAD  ${first!.name.replace(/[.]/g, '\\.')} .*CHANGED since the download: its SHA-256 differs`),
    );
    expect(bad.stderr).toContain('failed verification');
  });

  it('an unfinished download is exit 5 (resumable), not a verification failure', async () => {
    const dir = await tempDir();
    await admin('faults', { target: 'download', kind: 'throttle', bytes_per_second: 256 * 1024 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    expect((await download(dir, [], { signal: controller.signal })).code).toBe(130);
    const r = await runCli(['verify', '--dir', dir]);
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stderr).toContain('not finished: run the download again to resume');
  });

  it('a directory without a manifest is a usage error naming the problem', async () => {
    const r = await runCli(['verify', '--dir', await tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a dds-backup download directory');
  });
});

/** A server in front of the mock giving every object a multipart ETag (`"<hex>-2"`): no MD5 to check. */
const multipartServer = () =>
  m.rewriting((answer) => {
    if (answer.headers.etag) answer.headers.etag = answer.headers.etag.replace(/"$/, '-2"');
  });

describe('dds-backup download: what was checked, said plainly', () => {
  it('a fresh download says MD5 verified per file; a re-run says already complete and never "Downloaded"', async () => {
    const dir = await tempDir();
    const first = await download(dir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/^done: \S+ \(.*, MD5 verified\)$/m);
    expect(first.stderr).toMatch(/Downloaded 4 file\(s\).*MD5 verified for 4\)\. SHA-256 recorded/);

    const again = await download(dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/Downloaded|verified/);
    expect(again.stderr).toMatch(/^already complete: \S+ \(size checked; run `verify` for a full check\)$/m);
    expect(again.stderr).toContain(
      `All 4 file(s) in ${dir} already complete (size checked; run \`verify\` for a full check).`,
    );
  });

  it('a multipart ETag: "size only" in every line, event and verify; --require-checksum exits 6', async () => {
    const dir = await tempDir();
    const multipart = await multipartServer();
    const r = await download(dir, [], { endpoint: multipart });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^done: \S+ \(.*, size only: the server gives no checksum for this file\)$/m);
    expect(r.stderr).toContain('4 size only: the server gives no checksum for these files');
    expect(r.stderr).not.toMatch(/MD5 verified/);
    const json = await download(await tempDir(), ['--json'], { endpoint: multipart });
    const done = json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'file-done');
    expect(done).toHaveLength(4);
    for (const e of done) expect(e).toMatchObject({ checksum: 'size-only', md5Verified: false, md5: null });

    const v = await runCli(['verify', '--dir', dir]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(
      /^ok {3}\S+ .*size and SHA-256 unchanged since the download; size only: the server gives no checksum for this file\)$/m,
    );
    expect(v.stdout).not.toMatch(/verified/);
    const strict = await runCli(['verify', '--dir', dir, '--require-checksum']);
    expect(strict.code).toBe(6);
    expect(strict.stdout).toContain('NO CHECKSUM: size only');

    // One byte changed on disk, same size: the recorded SHA-256 catches it.
    const [f] = await publishedFiles(m.mock.defaults.sharded.backupId);
    const bytes = await readFile(join(dir, f!.name));
    bytes[4096] = bytes[4096]! ^ 1;
    await writeFile(join(dir, f!.name), bytes);
    const bad = await runCli(['verify', '--dir', dir]);
    expect(bad.code).toBe(6);
    expect(bad.stdout).toContain(`BAD  ${f!.name}`);
    expect(bad.stdout).toContain('CHANGED since the download: its SHA-256 differs');

    const fresh = await tempDir();
    const refused = await download(fresh, ['--require-checksum'], { endpoint: multipart });
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(/failed verification \(checksum\).*multipart ETag/);
    expect(refused.stderr).toContain('Run without --require-checksum');
    expect((await readdir(fresh)).filter((n) => !n.startsWith('.') && !n.endsWith('.part'))).toEqual([]);
  });

  it('--recheck re-hashes complete files and downloads again one that changed on disk', async () => {
    const dir = await tempDir();
    expect((await download(dir)).code).toBe(0);
    const [f] = await publishedFiles(m.mock.defaults.sharded.backupId);
    const path = join(dir, f!.name);
    const bytes = await readFile(path);
    bytes[7] = bytes[7]! ^ 1;
    await writeFile(path, bytes);
    // Bring the manifest's mtime in line, as if the change had kept it (utimes cannot restore sub-ms).
    const manifestPath = join(dir, '.dds-backup-manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    const { stat } = await import('node:fs/promises');
    for (const e of Object.values(manifest.files) as Array<{ name: string; mtimeMs: number }>)
      if (e.name === f!.name) e.mtimeMs = (await stat(path)).mtimeMs;
    await writeFile(manifestPath, JSON.stringify(manifest));

    const r = await download(dir, ['--recheck']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^restart: ${f!.name.replace(/[.]/g, '\\.')}: it changed on disk`, 'm'));
    expect(r.stderr).toMatch(/Downloaded 1 file\(s\)/);
    expect(r.stderr).toContain('3 file(s) already complete (SHA-256 rechecked, unchanged).');
    expect(await sha256(path)).toBe(f!.sha256);
  });
});

/** The mock's answers with the ShowBackupDownloadLink body edited. */
const listingFetch = (edit: (body: { files: Array<Record<string, unknown>> }) => void) => async (r: Request) => {
  const res = await m.mock.fetch(r);
  if (!new URL(r.url).pathname.endsWith('/backups/download-file') || res.status !== 200) return res;
  const body = (await res.json()) as { files: Array<Record<string, unknown>> };
  edit(body);
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
};

const lastEvent = (stdout: string) => JSON.parse(stdout.trimEnd().split('\n').at(-1)!);

describe('dds-backup download: outcomes and exit codes', () => {
  it('a download_link that is not http(s) is refused before any connection: exit 1, never "run again"', async () => {
    const dir = await tempDir();
    const r = await download(dir, ['--json'], {
      fetch: listingFetch((b) => {
        for (const f of b.files) f.download_link = 'file:///etc/passwd';
      }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('scheme is "file:"; only http: and https: links are fetched. No connection was made.');
    expect(r.stderr).not.toContain('run the same command again');
    expect(lastEvent(r.stdout)).toMatchObject({
      type: 'error',
      name: 'InvalidLinkError',
      exitCode: 1,
      retryable: false,
    });
    expect(await readdir(dir)).toEqual([]);
    const journal = (await admin('requests')) as Array<{ path: string }>;
    expect(journal.filter((e) => e.path.startsWith('/obs/'))).toEqual([]);
  });

  it('a backup the API lists with no files: exit 1, says so', async () => {
    const dir = await tempDir();
    const r = await download(dir, ['--json'], {
      fetch: listingFetch((b) => {
        b.files = [];
      }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: The API lists no files for this backup');
    expect(lastEvent(r.stdout)).toMatchObject({ type: 'error', name: 'EmptyBackupError', exitCode: 1 });
  });

  it('a drip below --speed-limit for --speed-time is given up on after the retries: exit 5, says why', async () => {
    const dir = await tempDir();
    await admin('faults', { target: 'download', kind: 'throttle', bytes_per_second: 20 });
    const r = await download(dir, ['--speed-limit', '1000', '--speed-time', '0.3', '--retries', '1', '--json']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/below the floor of 1000 bytes\/s \(--speed-limit, --speed-time\)/);
    expect(r.stderr).toContain('run the same command again');
    expect(lastEvent(r.stdout)).toMatchObject({ type: 'error', name: 'IncompleteDownloadError', exitCode: 5 });
    expect((await readdir(dir)).some((n) => n.endsWith('.part'))).toBe(true);
  });

  it('--stall-timeout: a server that sends nothing is aborted after that long and retried', async () => {
    const dir = await tempDir();
    await admin('faults', { target: 'download', kind: 'latency', latency_ms: 1500 });
    const r = await download(dir, ['--stall-timeout', '0.2', '--retries', '0', '--concurrency', '1']);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/no data for 0\.2 s at offset 0 \(--stall-timeout\)/);
  });

  it.each([
    [['--speed-limit', '1.5'], /--speed-limit must be a whole number/],
    [['--speed-time', '0'], /--speed-time must be a number of seconds above 0/],
    [['--stall-timeout', 'soon'], /--stall-timeout must be a number of seconds above 0/],
  ])('%j is a usage error (exit 2), and --json still ends with an error event', async (flags, message) => {
    const r = await download(await tempDir(), [...flags, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(lastEvent(r.stdout)).toMatchObject({ type: 'error', name: 'UsageError', exitCode: 2 });
  });

  it('a --backup-id that would put the default directory elsewhere (../../x) is refused', async () => {
    const cwd = await tempDir();
    const r = await runCli(
      [
        ...['--endpoint', m.url, '--project-id', m.mock.defaults.projectId, 'download'],
        ...['--instance-id', m.mock.defaults.sharded.instanceId, '--backup-id', '../../x'],
      ],
      { env: { DDS_BACKUP_TOKEN: TOKEN }, cwd },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--backup-id "../../x" cannot be the default directory name');
    expect(r.stderr).toContain('pass --dir DIR');
    expect(await readdir(cwd)).toEqual([]);
  });
});

describe('dds-backup verify: a manifest naming paths outside the directory', () => {
  it('refuses such entries (exit 6) without opening them, and shows hidden characters escaped', async () => {
    const dir = await tempDir();
    expect((await download(dir)).code).toBe(0);
    const manifestPath = join(dir, '.dds-backup-manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    const [first] = Object.values(manifest.files) as Array<Record<string, unknown>>;
    manifest.files.evil = { ...first, name: '../../../etc/passwd' };
    manifest.files.bidi = { ...first, name: 'x\u202Eraw.sh' };
    await writeFile(manifestPath, JSON.stringify(manifest));
    const r = await runCli(['verify', '--dir', dir]);
    expect(r.code).toBe(6);
    expect(r.stdout).toContain(
      'BAD  ../../../etc/passwd: REFUSED: the manifest names a path outside the directory; not opened',
    );
    expect(r.stdout).toContain('BAD  "x\\u{202E}raw.sh": REFUSED');
    expect(r.stdout).not.toContain('\u202E');
  });
});

describe('dds-backup download: an endpoint that is not the DDS API', () => {
  it('an HTML page instead of JSON: exit 1 naming the call, the status and the content type', async () => {
    const dir = await tempDir();
    const r = await download(dir, ['--json'], {
      fetch: async () =>
        new Response('<html><body>Sign in to the corporate proxy</body></html>', {
          status: 200,
          headers: { 'content-type': 'text/html' },
        }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /backups\/download-file: the API answered HTTP 200 text\/html, not JSON: is the endpoint right\?/,
    );
    expect(r.stderr).not.toContain('run the same command again');
    expect(lastEvent(r.stdout)).toMatchObject({ type: 'error', name: 'ResponseFormatError', exitCode: 1 });
    expect(await readdir(dir)).toEqual([]);
  });
});
