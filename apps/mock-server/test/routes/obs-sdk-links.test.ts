// Links presigned by Huawei's official OBS SDK (esdk-obs-nodejs `createSignedUrlSync`, path
// style against the mock's address) for the mock's objects, with the key pair the mock was
// started with (`obsAksk` / `--obs-aksk`): accepted in every signature mode, refused when edited.
import { createHash } from 'node:crypto';
// @ts-expect-error: the SDK ships no type declarations
import ObsClient from 'esdk-obs-nodejs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/cli.js';
import { createMockServer, type MockServer } from '../../src/index.js';
import { ORIGIN } from '../helpers.js';

const AK = 'OBSSDKTESTAK0000001';
const SK = 'obs-sdk-test-secret-key-0123456789abcdef';
let mock: MockServer;
let url: string;
beforeEach(async () => {
  mock = createMockServer({ obsAksk: { ak: AK, sk: SK } });
  url = await mock.listen({ port: 0 });
});
afterEach(() => mock.close());

/** The first file of the replica-set backup: bucket, key and published sha256. */
async function firstFile() {
  const ids = mock.defaults.replicaSet;
  const res = await fetch(
    `${url}/v3/${mock.defaults.projectId}/backups/download-file?instance_id=${ids.instanceId}&backup_id=${ids.backupId}`,
    { headers: { 'x-auth-token': 'any' } },
  );
  const body = (await res.json()) as { bucket: string; files: { name: string }[] };
  const state = (await (await mock.fetch(new Request(`${ORIGIN}/__mock/state`))).json()) as any;
  const published = state.projects
    .flatMap((p: any) => p.instances)
    .flatMap((i: any) => i.backups)
    .find((b: any) => b.id === ids.backupId).files[0];
  return { bucket: body.bucket, key: `${ids.backupId}/${body.files[0]!.name}`, sha256: published.sha256 as string };
}

/**
 * A presigned GET URL from the SDK (it initialises asynchronously, hence the tick). What the SDK
 * 3.26 does, read in its lib/utils.js: `createSignedUrlSync` signs V2 (`AWSAccessKeyId`) in path
 * style whatever `signature` says (path style turns 'obs' into 'v2'), the OBS form
 * (`AccessKeyId`) only virtual-hosted, and never V4 (its V4 presigner is `createV4SignedUrlSync`).
 * So: 'v2' = createSignedUrlSync in path style; 'obs' = createSignedUrlSync virtual-hosted on
 * `{bucket}.localhost`, then sent path style to 127.0.0.1 (both forms sign the same resource
 * `/{bucket}/{key}`, and bucket subdomains do not resolve here); 'v4' = createV4SignedUrlSync.
 */
async function presign(mode: 'obs' | 'v2' | 'v4', bucket: string, key: string, extra: object = {}) {
  const port = new URL(url).port;
  const client = new ObsClient({
    access_key_id: AK,
    secret_access_key: SK,
    server: mode === 'obs' ? `http://localhost:${port}` : url,
    path_style: mode !== 'obs',
    signature: mode === 'obs' ? 'obs' : 'v2',
    region: 'cn-north-4',
    ...extra,
  });
  await new Promise((r) => setTimeout(r, 10));
  const param = { Method: 'GET', Bucket: bucket, Key: key, Expires: 600 };
  const signed: string = (mode === 'v4' ? client.createV4SignedUrlSync(param) : client.createSignedUrlSync(param))
    .SignedUrl;
  client.close?.();
  if (mode !== 'obs') return signed;
  const virtualHost = `http://${bucket}.localhost:${port}/`;
  expect(signed.startsWith(virtualHost)).toBe(true);
  return `${url}/${bucket}/${signed.slice(virtualHost.length)}`;
}

const get = async (link: string) => {
  const res = await fetch(link);
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, body, code: /<Code>([^<]+)<\/Code>/.exec(body.toString())?.[1] };
};

describe.each(['obs', 'v2', 'v4'] as const)('OBS SDK presigned URLs, %s signature', (signature) => {
  it('are served at the path-style address and the bytes are the published ones', async () => {
    const file = await firstFile();
    const link = await presign(signature, file.bucket, file.key);
    expect(link.startsWith(`${url}/${file.bucket}/`)).toBe(true);
    expect(link).toMatch(
      signature === 'v4' ? /X-Amz-Signature=/ : signature === 'v2' ? /AWSAccessKeyId=/ : /[?&]AccessKeyId=/,
    );
    const r = await get(link);
    expect(r.status).toBe(200);
    expect(createHash('sha256').update(r.body).digest('hex')).toBe(file.sha256);
    // A range works as on any link.
    const part = await fetch(link, { headers: { range: 'bytes=10-19' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(r.body.subarray(10, 20));
  });

  it('are refused when edited (expiry, key, signature), with a wrong key pair, and once expired', async () => {
    const file = await firstFile();
    const link = await presign(signature, file.bucket, file.key);
    const expiry = signature === 'v4' ? 'X-Amz-Expires' : 'Expires';
    const longer = new URL(link);
    longer.searchParams.set(expiry, String(Number(longer.searchParams.get(expiry)) + 3600));
    expect(await get(longer.href)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    const other = await firstFile();
    const moved = link.replace(other.key.split('/')[0]!, mock.defaults.sharded.backupId);
    expect((await get(moved)).status).toBe(403);
    const sigName = signature === 'v4' ? 'X-Amz-Signature' : 'Signature';
    const tampered = new URL(link);
    const sig = tampered.searchParams.get(sigName)!;
    tampered.searchParams.set(sigName, (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    expect(await get(tampered.href)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });

    const stranger = createMockServer({ obsAksk: { ak: AK, sk: 'another-secret' } });
    const strangerUrl = await stranger.listen({ port: 0 });
    try {
      expect(await get(link.replace(url, strangerUrl))).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    } finally {
      await stranger.close();
    }

    mock.clock.advance(601 + 60);
    expect(await get(link)).toMatchObject({ status: 403, code: 'AccessDenied' });
  });
});

describe('OBS SDK presigned URLs, more', () => {
  it('temporary credentials: the security token is signed and a link without it is refused', async () => {
    const file = await firstFile();
    const link = await presign('obs', file.bucket, file.key, { security_token: 'temporary-token-1' });
    expect(link).toContain('x-obs-security-token=');
    expect((await get(link)).status).toBe(200);
    const stripped = new URL(link);
    stripped.searchParams.delete('x-obs-security-token');
    expect(await get(stripped.href)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('a mock without --obs-aksk refuses them (InvalidAccessKeyId); --obs-aksk parses AK:SK', async () => {
    const plain = createMockServer();
    const plainUrl = await plain.listen({ port: 0 });
    try {
      const file = await firstFile();
      const link = (await presign('obs', file.bucket, file.key)).replace(url, plainUrl);
      expect(await get(link)).toMatchObject({ status: 403, code: 'InvalidAccessKeyId' });
    } finally {
      await plain.close();
    }
    expect(parseCliArgs(['--obs-aksk', `${AK}:${SK}`]).obsAksk).toEqual({ ak: AK, sk: SK });
    expect(() => parseCliArgs(['--obs-aksk', 'nocolon'])).toThrow('--obs-aksk must be AK:SK');
  });
});
