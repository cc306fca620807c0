import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { main, parseVerifyArgs, UsageError } from '../src/cli.js';
import { listChecks } from '../src/index.js';
import { isApiCall, newMock, ORIGIN, rebuild, TOKEN } from './helpers.js';

const sink = () => ({
  text: '',
  write(s: string) {
    this.text += s;
  },
});

function run(
  argv: string[],
  options: { env?: Record<string, string>; fetch?: (r: Request) => Promise<Response> } = {},
) {
  const stdout = sink();
  const stderr = sink();
  const code = main(argv, { stdout, stderr, env: options.env ?? { DDS_BACKUP_TOKEN: TOKEN }, fetch: options.fetch });
  return code.then((exit) => ({ exit, stdout: stdout.text, stderr: stderr.text }));
}

const mock = newMock();
const d = mock.defaults;
const verify = [
  'verify',
  '--base-url',
  ORIGIN,
  '--project-id',
  d.projectId,
  '--instance-id',
  d.sharded.instanceId,
  '--backup-id',
  d.sharded.backupId,
];

describe('parseVerifyArgs', () => {
  const base = ['--base-url', 'http://h:1', '--project-id', 'p', '--instance-id', 'i', '--backup-id', 'b'];
  it.each([
    [base, { baseUrl: 'http://h:1', projectId: 'p', instanceId: 'i', backupId: 'b', json: false }],
    [[...base, '--json', '--junit', 'out/r.xml'], { json: true, junit: 'out/r.xml' }],
    [[...base, '--timeout', '5000', '--expiry-tolerance', '5'], { timeoutMs: 5000, expiryToleranceSeconds: 5 }],
    [['--help'], 'help'],
  ])('%j', (argv, expected) => {
    const parsed = parseVerifyArgs(argv);
    if (typeof expected === 'string') expect(parsed).toBe(expected);
    else expect(parsed).toMatchObject(expected);
  });

  it('takes the project id from the environment default', () => {
    expect(parseVerifyArgs(base.slice(0, 2).concat(base.slice(4)), { projectId: 'from-env' })).toMatchObject({
      projectId: 'from-env',
    });
  });

  it.each([
    [['--base-url', 'http://h'], /^missing --project-id, --instance-id, --backup-id$/],
    [[...base.slice(2), '--base-url', 'ftp://h'], /--base-url must be an http\(s\) URL/],
    [[...base, '--timeout', '0'], /--timeout must be a positive integer/],
    [[...base, '--bogus'], /Unknown option '--bogus'/],
    [[...base, 'extra'], /Unexpected argument 'extra'/],
  ])('%j is a UsageError', (argv, message) => {
    expect(() => parseVerifyArgs(argv)).toThrow(UsageError);
    expect(() => parseVerifyArgs(argv)).toThrow(message);
  });
});

describe('dds-backup-contract main', () => {
  it('passes against the mock: one PASS line per check, exit 0', async () => {
    const r = await run(verify, { fetch: mock.fetch });
    expect(r.exit).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`dds-backup-contract: ShowBackupDownloadLink at ${ORIGIN}`);
    for (const { name } of listChecks()) expect(lines.some((l) => l.startsWith(`PASS  ${name}: `))).toBe(true);
    expect(r.stdout).toContain(`\n${listChecks().length} checks: ${listChecks().length} passed, 0 failed\n`);
    expect(r.stderr).toBe('');
  });

  it('--json prints the report as JSON; --junit writes the XML file (creating its directory)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'contract-kit-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const junit = join(dir, 'reports', 'contract.xml');
    const r = await run([...verify, '--json', '--junit', junit], { fetch: mock.fetch });
    expect(r.exit).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      tool: 'dds-backup-contract',
      operationId: 'ShowBackupDownloadLink',
      baseUrl: ORIGIN,
      ok: true,
      summary: { total: listChecks().length, passed: listChecks().length, failed: 0, skipped: 0 },
    });
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual(listChecks().map((c) => c.name));
    expect(await readFile(junit, 'utf8')).toContain(
      `<testsuites name="dds-backup-contract" tests="${listChecks().length}" failures="0"`,
    );
  });

  it('a failing check: FAIL line with the reason, indented continuation, exit 1', async () => {
    const broken = async (req: Request) => {
      const res = await mock.fetch(req);
      return isApiCall(req) && res.status === 200 ? rebuild(res, { headers: (h) => h.delete('x-request-id') }) : res;
    };
    const r = await run(verify, { fetch: broken });
    expect(r.exit).toBe(1);
    expect(r.stdout).toMatch(
      /\nFAIL {2}positive\.headers: response header `X-Request-Id` is missing \(declared by the spec for 200\) \(\d+ ms\)\n/,
    );
    expect(r.stdout).toContain(`\n${listChecks().length} checks: ${listChecks().length - 1} passed, 1 failed\n`);
  });

  it('usage errors exit 2 with the usage on stderr', async () => {
    for (const argv of [[], ['check'], ['verify', '--base-url', ORIGIN], [...verify, '--junit']]) {
      const r = await run(argv);
      expect(r.exit, argv.join(' ')).toBe(2);
      expect(r.stderr).toContain('Usage: dds-backup-contract verify');
      expect(r.stdout).toBe('');
    }
  });

  it('--help prints the usage with the credential variables and exits 0', async () => {
    const r = await run(['verify', '--help']);
    expect(r.exit).toBe(0);
    expect(r.stdout).toContain('HUAWEICLOUD_SDK_AK');
    expect(r.stdout).toContain('DDS_BACKUP_TOKEN');
  });

  it('no credentials in the environment is a usage error naming the variables', async () => {
    const r = await run(verify, { env: {}, fetch: mock.fetch });
    expect(r.exit).toBe(2);
    expect(r.stderr).toMatch(
      /^dds-backup-contract: No credentials found\. Set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK/,
    );
  });

  it('AK/SK from the environment sign every authenticated call', async () => {
    const r = await run(verify, {
      env: { HUAWEICLOUD_SDK_AK: d.aksk.ak, HUAWEICLOUD_SDK_SK: d.aksk.sk },
      fetch: mock.fetch,
    });
    expect(r.stdout).toContain(`${listChecks().length} checks: ${listChecks().length} passed, 0 failed`);
    expect(r.exit).toBe(0);
    expect(r.stdout).not.toContain(d.aksk.sk);
  });
});
