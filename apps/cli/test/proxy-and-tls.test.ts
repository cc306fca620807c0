// `dds-backup links` and `download` on real networks (issue #14): the mock over TLS with its CA
// given by --ca-file (or the profile), refused without it or under the wrong host name, and a
// real forward proxy on 127.0.0.1:0 (npm `proxy`) found through the proxy variables or --proxy,
// whose own hook logs every CONNECT. Proxy credentials must never be printed.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { createMockServer, type MockServer, selfSignedCertificate, type TlsKeyPair } from '@dds-backup/mock-server';
import { createProxy } from 'proxy';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

const TOKEN = 'cli-network-token-secret';
const PROXY_PASSWORD = 'pr0xy-s3cret';
const MiB = 1024 * 1024;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The mock on `host` over TLS (a fresh self-signed certificate unless `pair`), and its CA file. */
async function tlsMock(options: { host?: string; pair?: TlsKeyPair } = {}) {
  const dir = await tempDir('dds-backup-tls-');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const mock = createMockServer({ tls: options.pair ?? true });
  const url = await mock.listen({ port: 0, host: options.host ?? '127.0.0.1' });
  cleanups.push(() => mock.close());
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, mock.certificate!);
  return { mock, url, caFile, dir };
}

/** A real forward proxy on 127.0.0.1:0; its authenticate hook is its log. */
async function forwardProxy(accept = true) {
  const log: { method: string; url: string; authorization: string | undefined }[] = [];
  const server = createProxy(createServer());
  // Tunnelled sockets are not the HTTP server's connections any more: close them by hand.
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => sockets.add(s));
  server.authenticate = (req) => {
    log.push({ method: req.method!, url: req.url!, authorization: req.headers['proxy-authorization'] });
    return accept;
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      }),
  );
  const port = (server.address() as net.AddressInfo).port;
  return { log, url: `http://proxyuser:${PROXY_PASSWORD}@127.0.0.1:${port}`, display: `http://127.0.0.1:${port}` };
}

/**
 * A hostile CONNECT proxy: tunnels like any other, but cuts every tunnel once it has carried
 * `dropAfter` bytes from the server (the API's answers are far smaller; object bodies are not).
 */
async function droppingProxy(dropAfter: number, { refuseAfterTunnels = Infinity } = {}) {
  const tunnels: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.once('data', (head) => {
      const authority = /^CONNECT (\S+) HTTP/.exec(head.toString('latin1'))?.[1];
      if (!authority) return client.destroy();
      // Past its quota the proxy hangs up on every CONNECT without answering.
      if (tunnels.length >= refuseAfterTunnels) return client.destroy();
      tunnels.push(authority);
      const [host, port] = authority.split(':');
      const upstream = net.connect(Number(port), host!, () =>
        client.write('HTTP/1.1 200 Connection established\r\n\r\n'),
      );
      let carried = 0;
      upstream.on('data', (chunk) => {
        carried += chunk.length;
        client.write(chunk);
        if (carried >= dropAfter) {
          client.destroy();
          upstream.destroy();
        }
      });
      client.on('data', (c) => upstream.write(c));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      }),
  );
  return { tunnels, url: `http://u:${PROXY_PASSWORD}@127.0.0.1:${(server.address() as net.AddressInfo).port}` };
}

const ids = (mock: MockServer) => mock.defaults.sharded;
const base = (url: string, mock: MockServer) => ['--endpoint', url, '--project-id', mock.defaults.projectId];
const links = (url: string, mock: MockServer, extra: string[], env: Record<string, string> = {}) =>
  runCli(
    [
      ...base(url, mock),
      ...extra,
      'links',
      ...['--instance-id', ids(mock).instanceId, '--backup-id', ids(mock).backupId, '-o', 'json'],
    ],
    { env: { DDS_BACKUP_TOKEN: TOKEN, ...env } },
  );
const download = async (
  url: string,
  mock: MockServer,
  extra: string[],
  env: Record<string, string> = {},
  backup: { instanceId: string; backupId: string } = ids(mock),
  commandArgs: string[] = [],
) => {
  const dir = await tempDir();
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const r = await runCli(
    [
      ...base(url, mock),
      ...extra,
      'download',
      ...['--instance-id', backup.instanceId, '--backup-id', backup.backupId, '--dir', dir, ...commandArgs],
    ],
    { env: { DDS_BACKUP_TOKEN: TOKEN, ...env } },
  );
  return { ...r, dir };
};

/** Every file of the sharded backup equals what the mock published. */
async function expectComplete(mock: MockServer, dir: string, backupId = ids(mock).backupId) {
  const state = (await (await mock.fetch(new Request('http://mock.test/__mock/state'))).json()) as {
    projects: { instances: { backups: { id: string; files: { name: string; sha256: string }[] }[] }[] }[];
  };
  const files = state.projects
    .flatMap((p) => p.instances)
    .flatMap((i) => i.backups)
    .find((b) => b.id === backupId)!.files;
  for (const f of files)
    expect(
      createHash('sha256')
        .update(await readFile(join(dir, f.name)))
        .digest('hex'),
    ).toBe(f.sha256);
}

const secretsIn = (text: string) => {
  const basic = Buffer.from(`proxyuser:${PROXY_PASSWORD}`).toString('base64');
  return [PROXY_PASSWORD, basic, TOKEN].filter((s) => text.includes(s));
};

describe('TLS', () => {
  it('a download over https with the mock CA given by --ca-file (and by the profile) completes', async () => {
    const { mock, url, caFile } = await tlsMock();
    const r = await download(url, mock, ['--ca-file', caFile]);
    expect(r.code, r.stderr).toBe(0);
    await expectComplete(mock, r.dir);

    const config = await tempDir('dds-backup-config-');
    cleanups.push(() => rm(config, { recursive: true, force: true }));
    await mkdir(join(config, 'dds-backup'), { mode: 0o700 });
    await writeFile(
      join(config, 'dds-backup', 'config.json'),
      JSON.stringify({ profiles: { default: { ca_file: caFile } } }),
      { mode: 0o600 },
    );
    const viaProfile = await download(url, mock, [], { XDG_CONFIG_HOME: config });
    expect(viaProfile.code, viaProfile.stderr).toBe(0);
  });

  it('without the CA: refused at once (exit 1, no retry), saying what to pass', async () => {
    const { mock, url } = await tlsMock();
    await mock.fetch(new Request('http://mock.test/__mock/requests', { method: 'DELETE' }));
    const r = await download(url, mock, ['--retries', '3']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/TLS certificate of 127\.0\.0\.1:\d+ was refused \(DEPTH_ZERO_SELF_SIGNED_CERT/);
    expect(r.stderr).toContain('--ca-file');
    expect(r.stderr).not.toContain('run the same command again');
    // The handshake failed: the mock never saw a request, not even a retried one.
    const journal = await (await mock.fetch(new Request('http://mock.test/__mock/requests'))).json();
    expect(journal).toEqual([]);
  });

  it('a certificate for another host name is refused (exit 1) even with the right CA', async () => {
    const pair = await selfSignedCertificate(); // names localhost, 127.0.0.1, ::1
    const { mock, url, caFile } = await tlsMock({ host: '127.0.0.2', pair });
    const r = await download(url, mock, ['--ca-file', caFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('an unreadable --ca-file is a usage error (exit 2)', async () => {
    const { mock, url } = await tlsMock();
    const r = await download(url, mock, ['--ca-file', '/nonexistent/ca.pem']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/nonexistent/ca.pem');
  });
});

describe('proxies', () => {
  it('HTTPS_PROXY carries links and download through CONNECT; credentials never printed (--verbose, --json)', async () => {
    const { mock, url, caFile } = await tlsMock();
    const proxy = await forwardProxy();
    const authority = url.replace('https://', '');
    const l = await links(url, mock, ['--ca-file', caFile, '--verbose'], { HTTPS_PROXY: proxy.url });
    expect(l.code, l.stderr).toBe(0);
    expect(proxy.log.length).toBeGreaterThan(0);
    const basic = `Basic ${Buffer.from(`proxyuser:${PROXY_PASSWORD}`).toString('base64')}`;
    for (const e of proxy.log) expect(e).toEqual({ method: 'CONNECT', url: authority, authorization: basic });
    expect(l.stderr).toContain(
      `network: API via proxy ${proxy.display}, IAM via proxy ${proxy.display}; extra CAs from ${caFile}`,
    );

    proxy.log.length = 0;
    const d = await download(url, mock, ['--ca-file', caFile, '--verbose'], { HTTPS_PROXY: proxy.url }, ids(mock), [
      '--json',
    ]);
    expect(d.code, d.stderr).toBe(0);
    await expectComplete(mock, d.dir);
    // The API call and every object connection (4 files, several at once) went through the proxy.
    expect(proxy.log.length).toBeGreaterThanOrEqual(2);
    expect(proxy.log.every((e) => e.method === 'CONNECT' && e.url === authority)).toBe(true);
    expect(secretsIn(l.stdout + l.stderr + d.stdout + d.stderr)).toEqual([]);
  });

  it('NO_PROXY bypasses the proxy (exact host), as does --proxy ""', async () => {
    const { mock, url, caFile } = await tlsMock();
    const proxy = await forwardProxy();
    const bypass = await download(url, mock, ['--ca-file', caFile], { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    expect(bypass.code, bypass.stderr).toBe(0);
    const off = await links(url, mock, ['--ca-file', caFile, '--proxy', ''], { HTTPS_PROXY: proxy.url });
    expect(off.code, off.stderr).toBe(0);
    expect(proxy.log).toEqual([]);
  });

  it('precedence: lower-case over upper-case, --proxy over both, http_proxy only for http://', async () => {
    const { mock, url, caFile } = await tlsMock();
    const good = await forwardProxy();
    const dead = 'http://127.0.0.1:9'; // discard port: nothing listens
    const lower = await links(url, mock, ['--ca-file', caFile, '--retries', '0'], {
      https_proxy: good.url,
      HTTPS_PROXY: dead,
    });
    expect(lower.code, lower.stderr).toBe(0);
    expect(good.log.length).toBe(1);
    const flag = await links(url, mock, ['--ca-file', caFile, '--retries', '0', '--proxy', good.url], {
      https_proxy: dead,
      HTTPS_PROXY: dead,
    });
    expect(flag.code, flag.stderr).toBe(0);
    expect(good.log.length).toBe(2);
    // An http:// proxy variable does not carry https:// traffic.
    const plainOnly = await links(url, mock, ['--ca-file', caFile], { HTTP_PROXY: dead, http_proxy: dead });
    expect(plainOnly.code, plainOnly.stderr).toBe(0);
    // ...but does carry http:// traffic (absolute-form requests through the proxy).
    const plain = createMockServer();
    const plainUrl = await plain.listen({ port: 0 });
    cleanups.push(() => plain.close());
    const viaHttp = await download(plainUrl, plain, [], { http_proxy: good.url, HTTPS_PROXY: dead });
    expect(viaHttp.code, viaHttp.stderr).toBe(0);
    expect(good.log.slice(2).length).toBeGreaterThan(0);
    expect(good.log.slice(2).every((e) => e.url.startsWith(plainUrl) || e.method === 'CONNECT')).toBe(true);
  });

  it("the profile's proxy applies when no variable and no --proxy is set", async () => {
    const { mock, url, caFile } = await tlsMock();
    const proxy = await forwardProxy();
    const config = await tempDir('dds-backup-config-');
    cleanups.push(() => rm(config, { recursive: true, force: true }));
    await mkdir(join(config, 'dds-backup'), { mode: 0o700 });
    await writeFile(
      join(config, 'dds-backup', 'config.json'),
      JSON.stringify({ profiles: { default: { proxy: proxy.url, ca_file: caFile } } }),
      { mode: 0o600 },
    );
    const r = await links(url, mock, [], { XDG_CONFIG_HOME: config });
    expect(r.code, r.stderr).toBe(0);
    expect(proxy.log.map((e) => e.method)).toEqual(['CONNECT']);
    // A proxy variable wins over the profile (here: NO_PROXY then sends it direct).
    const direct = await links(url, mock, [], { XDG_CONFIG_HOME: config, HTTPS_PROXY: proxy.url, NO_PROXY: '*' });
    expect(direct.code, direct.stderr).toBe(0);
    expect(proxy.log).toHaveLength(1);
  });

  it('a proxy answering 407: exit 3, naming the proxy without its password', async () => {
    const { mock, url, caFile } = await tlsMock();
    const proxy = await forwardProxy(false);
    for (const r of [
      await links(url, mock, ['--ca-file', caFile, '--verbose'], { HTTPS_PROXY: proxy.url }),
      await download(url, mock, ['--ca-file', caFile], { https_proxy: proxy.url }, ids(mock), ['--json']),
    ]) {
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(`the proxy ${proxy.display} refused the request`);
      expect(r.stderr).toContain('407');
      expect(secretsIn(r.stdout + r.stderr)).toEqual([]);
    }
  });

  it('a proxy that drops the tunnel mid-body: the download resumes where it broke and completes', {
    timeout: 60_000,
  }, async () => {
    const { mock, url, caFile } = await tlsMock();
    const added = (await (
      await mock.fetch(
        new Request('http://mock.test/__mock/backups', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ files: [{ name: 'big.tar.gz', size_bytes: 12 * MiB + 5 }] }),
        }),
      )
    ).json()) as { backup: { instance_id: string; id: string } };
    const backup = { instanceId: added.backup.instance_id, backupId: added.backup.id };
    const proxy = await droppingProxy(2 * MiB);
    const r = await download(url, mock, ['--ca-file', caFile], { HTTPS_PROXY: proxy.url }, backup, [
      '--json',
      '--segments',
      '1',
    ]);
    expect(r.code, r.stderr).toBe(0);
    await expectComplete(mock, r.dir, backup.backupId);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const retries = events.filter((e) => e.type === 'retry');
    // Each cut is resumed from the last written byte (offsets grow), named as a network error.
    expect(retries.length).toBeGreaterThanOrEqual(4);
    expect(retries.map((e) => e.offset)).toEqual([...retries.map((e) => e.offset)].sort((a, b) => a - b));
    expect(retries[0].error.kind).toBe('NETWORK_ERROR');
    expect(proxy.tunnels.length).toBeGreaterThanOrEqual(retries.length + 1);
    expect(secretsIn(r.stdout + r.stderr)).toEqual([]);
  });

  it('a proxy that drops the tunnel and then stops answering: exit 5 naming the proxy; the next run resumes', {
    timeout: 60_000,
  }, async () => {
    const { mock, url, caFile } = await tlsMock();
    const size = 12 * MiB + 5;
    const added = (await (
      await mock.fetch(
        new Request('http://mock.test/__mock/backups', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ files: [{ name: 'big.tar.gz', size_bytes: size }] }),
        }),
      )
    ).json()) as { backup: { instance_id: string; id: string } };
    const backup = { instanceId: added.backup.instance_id, backupId: added.backup.id };
    // Tunnel 1 carries the API call, tunnel 2 the object until it is cut; then no more tunnels.
    const bad = await droppingProxy(4 * MiB, { refuseAfterTunnels: 2 });
    const dir = await tempDir();
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const args = (proxy: string) => [
      ...base(url, mock),
      '--ca-file',
      caFile,
      '--retries',
      '1',
      '--proxy',
      proxy,
      'download',
      ...['--instance-id', backup.instanceId, '--backup-id', backup.backupId, '--dir', dir, '--segments', '1'],
    ];
    const first = await runCli(args(bad.url), { env: { DDS_BACKUP_TOKEN: TOKEN } });
    expect(first.code, first.stderr).toBe(5);
    expect(first.stderr).toMatch(
      /proxy http:\/\/127\.0\.0\.1:\d+ refused the request: it closed the connection before answering CONNECT/,
    );
    expect(first.stderr).toContain('run the same command again');
    expect(secretsIn(first.stdout + first.stderr)).toEqual([]);

    await mock.fetch(new Request('http://mock.test/__mock/requests', { method: 'DELETE' }));
    const good = await forwardProxy();
    const second = await runCli(args(good.url), { env: { DDS_BACKUP_TOKEN: TOKEN } });
    expect(second.code, second.stderr).toBe(0);
    await expectComplete(mock, dir, backup.backupId);
    // Only what the first run had not written was fetched again.
    const journal = (await (await mock.fetch(new Request('http://mock.test/__mock/requests'))).json()) as {
      target: string;
      bytes_sent: number;
    }[];
    const served = journal.filter((e) => e.target === 'download').reduce((n, e) => n + e.bytes_sent, 0);
    expect(served).toBeGreaterThan(0);
    expect(served).toBeLessThan(size - 2 * MiB);
  });
});
