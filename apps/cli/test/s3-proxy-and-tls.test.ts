// S3 traffic of `download --to s3://` on real networks: s3rver behind a TLS front whose test
// certificate is trusted only through --ca-file (an internal MinIO behind a company CA), and a
// real forward proxy on 127.0.0.1:0 (npm `proxy`) whose authenticate hook logs every request it
// is asked to carry (CONNECT tunnels, TLS inside for https:). NO_PROXY
// bypasses it. Proxy and S3 secrets are never printed.
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type net from 'node:net';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { selfSignedCertificate } from '@dds-backup/mock-server';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createProxy } from 'proxy';
import { afterEach, describe, expect, it } from 'vitest';
import { mockPerTest, runCli, tempDir } from './helpers.js';
import { type S3Server, startS3Server } from './s3-server.js';

const TOKEN = 'cli-s3-net-token-secret';
const PROXY_PASSWORD = 'pr0xy-s3-s3cret';
const m = mockPerTest();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function forwardProxy() {
  const log: { method: string; url: string }[] = [];
  const server = createProxy(createServer());
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => sockets.add(s));
  server.authenticate = (req) => {
    log.push({ method: req.method!, url: req.url! });
    return (
      req.headers['proxy-authorization'] === `Basic ${Buffer.from(`proxyuser:${PROXY_PASSWORD}`).toString('base64')}`
    );
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
  return { log, url: `http://proxyuser:${PROXY_PASSWORD}@127.0.0.1:${port}` };
}

async function s3Server(tls: boolean) {
  const dir = await tempDir('dds-cli-s3-net-');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const pair = tls ? await selfSignedCertificate() : undefined;
  const s3 = await startS3Server(pair ? { tls: pair } : {});
  cleanups.push(() => s3.close());
  const caFile = join(dir, 'ca.pem');
  if (pair) await writeFile(caFile, pair.cert);
  return { s3, caFile, ca: pair?.cert, stateHome: dir };
}

const upload = (s3: S3Server, stateHome: string, extra: string[], env: Record<string, string> = {}) => {
  const ids = m.mock.defaults.sharded;
  return runCli(
    [
      ...['--endpoint', m.url, '--project-id', m.mock.defaults.projectId, 'download'],
      ...['--instance-id', ids.instanceId, '--backup-id', ids.backupId, '--to', 's3://backups/net'],
      ...['--s3-endpoint', s3.endpoint, '--s3-path-style', ...extra],
    ],
    {
      env: {
        DDS_BACKUP_TOKEN: TOKEN,
        XDG_STATE_HOME: stateHome,
        AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
        ...env,
      },
      fetch: (r: Request) => m.mock.fetch(r),
    },
  );
};

async function expectObjects(s3: S3Server, ca: string | undefined) {
  const ids = m.mock.defaults.sharded;
  const https = await import('node:https');
  const c = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: s3.credentials,
    ...(ca ? { requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca }) }) } : {}),
  });
  try {
    for (const f of await m.files(ids.backupId)) {
      const o = await c.send(
        new GetObjectCommand({ Bucket: 'backups', Key: `net/${ids.instanceId}/${ids.backupId}/${f.name}` }),
      );
      expect(
        createHash('sha256')
          .update(await o.Body!.transformToByteArray())
          .digest('hex'),
        f.name,
      ).toBe(f.sha256);
    }
  } finally {
    c.destroy();
  }
}

describe('download --to s3:// through a proxy and behind a company CA', () => {
  it('an https S3 endpoint with a test CA: refused without --ca-file (exit 1), trusted with it; with --proxy every S3 request goes through a CONNECT tunnel', {
    timeout: 60_000,
  }, async () => {
    const { s3, caFile, ca, stateHome } = await s3Server(true);
    const refused = await upload(s3, stateHome, []);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/certificate|TLS/i);
    expect(s3.requests.filter((r) => r.method === 'PUT')).toHaveLength(0);

    const proxy = await forwardProxy();
    const r = await upload(s3, stateHome, ['--ca-file', caFile, '--proxy', proxy.url]);
    expect(r.code, r.stderr).toBe(0);
    const port = new URL(s3.endpoint).port;
    // Every S3 exchange went through the tunnel(s) the proxy opened to the S3 server.
    expect(proxy.log.filter((e) => e.method === 'CONNECT' && e.url === `127.0.0.1:${port}`).length).toBeGreaterThan(0);
    expect(s3.requests.some((x) => x.method === 'PUT' && /partNumber=/.test(x.url))).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(PROXY_PASSWORD);
    expect(r.stdout + r.stderr).not.toContain(s3.credentials.secretAccessKey + '"');
    await expectObjects(s3, ca);
  });

  it('an http S3 endpoint through HTTP_PROXY is reached through CONNECT tunnels; NO_PROXY for its host:port bypasses the proxy', {
    timeout: 60_000,
  }, async () => {
    const { s3, stateHome } = await s3Server(false);
    const proxy = await forwardProxy();
    const port = new URL(s3.endpoint).port;
    const s3Requests = () => proxy.log.filter((e) => e.method === 'CONNECT' && e.url === `127.0.0.1:${port}`);
    const via = await upload(s3, stateHome, [], { HTTP_PROXY: proxy.url });
    expect(via.code, via.stderr).toBe(0);
    expect(s3Requests().length).toBeGreaterThan(0);
    // The engine's object GETs from the mock (http:) are forwarded in absolute form, as before.
    expect(proxy.log.some((e) => e.method === 'GET' && e.url.startsWith(m.url))).toBe(true);
    // The rerun skips the objects (HEAD + tags); with NO_PROXY none of that reaches the proxy.
    const before = s3Requests().length;
    const served = s3.requests.length;
    const bypass = await upload(s3, stateHome, [], { HTTP_PROXY: proxy.url, NO_PROXY: `127.0.0.1:${port}` });
    expect(bypass.code, bypass.stderr).toBe(0);
    expect(s3.requests.length).toBeGreaterThan(served);
    expect(s3Requests().length).toBe(before);
    await expectObjects(s3, undefined);
  });
  it("verify --to s3:// takes the profile's proxy and ca_file as download --to does (no flag given)", {
    timeout: 60_000,
  }, async () => {
    const { s3, caFile, ca, stateHome } = await s3Server(true);
    const proxy = await forwardProxy();
    const r = await upload(s3, stateHome, ['--ca-file', caFile, '--proxy', proxy.url]);
    expect(r.code, r.stderr).toBe(0);
    await expectObjects(s3, ca);
    const ids = m.mock.defaults.sharded;
    const verify = (env: Record<string, string>) =>
      runCli(
        [
          ...['verify', '--to', 's3://backups/net', '--s3-endpoint', s3.endpoint, '--s3-path-style'],
          ...['--instance-id', ids.instanceId, '--backup-id', ids.backupId],
        ],
        {
          env: {
            XDG_STATE_HOME: stateHome,
            AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
            ...env,
          },
        },
      );
    // No profile: the test CA is not trusted (exit 1, as for download).
    const untrusted = await verify({ XDG_CONFIG_HOME: join(stateHome, 'no-config') });
    expect(untrusted.code, untrusted.stderr).toBe(1);
    expect(untrusted.stderr).toMatch(/certificate|TLS/i);
    // A profile with proxy and ca_file, and no flag: trusted, and every S3 request tunnels through the proxy.
    const config = join(stateHome, 'config');
    await mkdir(join(config, 'dds-backup'), { recursive: true });
    await writeFile(
      join(config, 'dds-backup', 'config.json'),
      JSON.stringify({ profiles: { minio: { proxy: proxy.url, ca_file: caFile } } }),
      { mode: 0o600 },
    );
    const tunnels = () =>
      proxy.log.filter((e) => e.method === 'CONNECT' && e.url === `127.0.0.1:${new URL(s3.endpoint).port}`).length;
    const before = tunnels();
    const ok = await verify({ XDG_CONFIG_HOME: config, DDS_BACKUP_PROFILE: 'minio' });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(tunnels()).toBeGreaterThan(before);
    expect(ok.stdout + ok.stderr).not.toContain(PROXY_PASSWORD);
  });
});
