// The real binary (dist/bin.js, built by `turbo run test`'s build step) as a child process,
// against servers listening on 127.0.0.1:0.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MockServer } from '@dds-backup/mock-server';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listChecks } from '../src/index.js';
import { isDownload, newMock, serveFetch, TOKEN } from './helpers.js';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
let mock: MockServer;
let url: string;

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` (npm test builds it first).`);
  mock = newMock();
  url = await mock.listen({ port: 0 });
});
afterAll(() => mock.close());

const tempDirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'contract-kit-e2e-'));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true }))));

async function contract(args: string[], env: Record<string, string> = { DDS_BACKUP_TOKEN: TOKEN }) {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const [code] = await once(child, 'exit');
  return { code: code as number, stdout, stderr };
}

const verifyArgs = (baseUrl: string) => {
  const d = mock.defaults;
  return [
    'verify',
    '--base-url',
    baseUrl,
    '--project-id',
    d.projectId,
    '--instance-id',
    d.sharded.instanceId,
    '--backup-id',
    d.sharded.backupId,
  ];
};

async function junitOf(file: string) {
  const xml = await readFile(file, 'utf8');
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (n) => n === 'testcase',
  }).parse(xml);
  return { xml, suites: doc.testsuites, suite: doc.testsuites.testsuite };
}

describe('dds-backup-contract binary', () => {
  it('verify against the listening mock: every check passes, exit 0, valid JUnit with the right counts', async () => {
    const junit = join(await tempDir(), 'contract.xml');
    const r = await contract([...verifyArgs(url), '--junit', junit]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const total = listChecks().length;
    expect(r.stdout).toContain(`${total} checks: ${total} passed, 0 failed`);
    // The real server sends a Date header: the expiry is measured against the server's clock.
    expect(r.stdout).toMatch(/PASS {2}positive\.link-expiry: \d+ link\(s\) expire \d+ s after the server's Date/);
    const { suites, suite } = await junitOf(junit);
    expect(suites).toMatchObject({ tests: String(total), failures: '0', errors: '0', skipped: '0' });
    expect(suite).toMatchObject({ tests: String(total), failures: '0' });
    expect(suite.testcase.map((t: { name: string }) => t.name)).toEqual(listChecks().map((c) => c.name));
    expect(suite.testcase.filter((t: { failure?: unknown }) => t.failure)).toEqual([]);
  });

  it('verify --json against a server whose links ignore Range: exit 1, one failure in JSON and JUnit', async () => {
    const broken = await serveFetch(async (req) => {
      if (!isDownload(req)) return mock.fetch(req);
      const headers = new Headers(req.headers);
      headers.delete('range');
      return mock.fetch(new Request(req, { headers }));
    });
    try {
      const junit = join(await tempDir(), 'contract.xml');
      const r = await contract([...verifyArgs(broken.url), '--json', '--junit', junit], {
        HUAWEICLOUD_SDK_AK: mock.defaults.aksk.ak,
        HUAWEICLOUD_SDK_SK: mock.defaults.aksk.sk,
      });
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout);
      expect(report.summary).toEqual({
        total: listChecks().length,
        passed: listChecks().length - 1,
        failed: 1,
        skipped: 0,
      });
      const failed = report.checks.filter((c: { ok: boolean }) => !c.ok);
      expect(failed.map((c: { name: string }) => c.name)).toEqual(['positive.link-range']);
      expect(failed[0].reason).toContain('answered 200; expected 206 Partial Content (the link ignores Range)');
      const { suites, suite, xml } = await junitOf(junit);
      expect(suites).toMatchObject({ tests: String(listChecks().length), failures: '1' });
      const failing = suite.testcase.filter((t: { failure?: unknown }) => t.failure);
      expect(failing.map((t: { name: string }) => t.name)).toEqual(['positive.link-range']);
      expect(failing[0].failure.message).toMatch(/^files\[0\] .*answered 200; expected 206/);
      // Links and the SK never leave the process.
      for (const text of [r.stdout, r.stderr, xml]) {
        expect(text).not.toMatch(/(Signature|AccessKeyId)=(?!\*\*\*)/);
        expect(text).not.toContain(mock.defaults.aksk.sk);
      }
    } finally {
      await broken.close();
    }
  });

  it('usage error: exit 2, usage on stderr', async () => {
    const r = await contract(['verify', '--base-url', url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('dds-backup-contract: missing --project-id, --instance-id, --backup-id');
    expect(r.stdout).toBe('');
  });
});
