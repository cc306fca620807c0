// AK/SK through the mock's validation proxy: the upstream verifies the signature against its own
// host, so the client must sign for it (ClientOptions.signingHost).
import { ApiError, akskCredentials, createClient } from '@dds-backup/client';
import { createMockServer, DEFAULT_AKSK, type MockServer } from '@dds-backup/mock-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let upstream: MockServer;
let proxy: MockServer;
let upstreamUrl: string;

beforeAll(async () => {
  upstream = createMockServer();
  upstreamUrl = await upstream.listen({ port: 0 });
  proxy = createMockServer({ proxy: upstreamUrl });
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});

const client = (signingHost?: string) =>
  createClient({
    endpoint: 'http://proxy.test',
    projectId: upstream.defaults.projectId,
    credentials: akskCredentials(DEFAULT_AKSK),
    fetch: (r) => proxy.fetch(r),
    ...(signingHost ? { signingHost } : {}),
  });

describe('AK/SK through a validation proxy', () => {
  it('signed for the upstream host: the upstream accepts it and its links pass through untouched', async () => {
    const links = await client(new URL(upstreamUrl).host).getDownloadLinks(upstream.defaults.sharded);
    expect(links.files.length).toBeGreaterThan(1);
    for (const f of links.files) expect(f.url.startsWith(`${upstreamUrl}/obs/`)).toBe(true);
  });

  it('signed for the proxy host: the upstream refuses it with APIGW.0301', async () => {
    const error = await client()
      .getDownloadLinks(upstream.defaults.sharded)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, errorCode: 'APIGW.0301' });
  });
});
