import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main, parseCliArgs, UsageError } from '../src/cli.js';
import { createMockServer, selfSignedCertificate } from '../src/index.js';

/** GET over HTTPS trusting only `ca`; resolves with status and body text (or rejects: TLS errors). */
function httpsGet(url: string, ca: string | undefined, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = get(url, { ...(ca ? { ca } : {}), headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/** Starts the CLI's main() with argv; returns its stdout and the handle. */
async function start(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (c) => (out += c));
  const server = await main(['--port', '0', '--quiet', ...argv], { stdout, stderr, handleSignals: false });
  return { server: server!, out: () => out };
}

/** The API answer and the object behind its first link, both over HTTPS. */
async function apiAndObject(url: string, ca: string) {
  const state = JSON.parse((await httpsGet(`${url}/__mock/state?hashes=none`, ca)).body);
  const d = state.defaults;
  const api = await httpsGet(
    `${url}/v3/${d.project_id}/backups/download-file?instance_id=${d.sharded.instance_id}&backup_id=${d.sharded.backup_id}`,
    ca,
    { 'x-auth-token': 'any' },
  );
  expect(api.status).toBe(200);
  const link: string = JSON.parse(api.body).files[0].download_link;
  expect(link.startsWith(`${url}/`)).toBe(true);
  const object = await httpsGet(link, ca);
  expect(object.status).toBe(200);
  expect(object.body.length).toBeGreaterThan(0);
}

describe('the mock over TLS', () => {
  it('--tls: a self-signed certificate written to a printed path, https:// everywhere, removed at close', async () => {
    const { server, out } = await start(['--tls']);
    const cert = /^dds-backup-mock certificate: (\S+) /m.exec(out())?.[1];
    const url = /^dds-backup-mock listening on (https:\/\/127\.0\.0\.1:\d+)$/m.exec(out())?.[1];
    expect(cert).toBeDefined();
    expect(url).toBeDefined();
    const ca = await readFile(cert!, 'utf8');
    expect(ca).toContain('BEGIN CERTIFICATE');
    await apiAndObject(url!, ca);
    // Verification really is on: without the certificate the handshake is refused.
    await expect(httpsGet(`${url}/__mock/state`, undefined)).rejects.toMatchObject({
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
    // The certificate names localhost too (and nothing else resolves to this server).
    const local = url!.replace('127.0.0.1', 'localhost');
    expect((await httpsGet(`${local}/__mock/state`, ca)).status).toBe(200);
    await server.close();
    expect(existsSync(cert!)).toBe(false);
  });

  it('--tls-cert/--tls-key: serves the given certificate', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dds-mock-tls-'));
    try {
      const pair = await selfSignedCertificate();
      await writeFile(join(dir, 'c.pem'), pair.cert);
      await writeFile(join(dir, 'k.pem'), pair.key);
      const { server, out } = await start(['--tls-cert', join(dir, 'c.pem'), '--tls-key', join(dir, 'k.pem')]);
      const url = /^dds-backup-mock listening on (https:\/\/\S+)$/m.exec(out())?.[1];
      expect(out()).not.toContain('certificate:');
      await apiAndObject(url!, pair.cert);
      // Another certificate is not trusted for it.
      const other = await selfSignedCertificate();
      await expect(httpsGet(`${url}/__mock/state`, other.cert)).rejects.toThrow();
      await server.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [['--tls-cert', 'c.pem']],
    [['--tls-key', 'k.pem']],
    [['--tls', '--tls-cert', 'c.pem', '--tls-key', 'k.pem']],
  ])('%j is a UsageError', (argv) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
  });

  it('createMockServer({ tls: true }) in-process: listen() gives https:// and certificate the PEM', async () => {
    const mock = createMockServer({ tls: true });
    const url = await mock.listen({ port: 0 });
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await apiAndObject(url, mock.certificate!);
    await mock.close();
  });
});
