import { createRequire } from 'node:module';
import { akskCredentials } from '@dds-backup/client';
import { describe, expect, it } from 'vitest';

// Huawei's own Node SDK core, used only here, as the reference implementation.
const { AKSKSigner } = createRequire(import.meta.url)('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as {
  AKSKSigner: { sign(request: object, credential: object): Record<string, string> };
};

const context = (projectId?: string) => ({
  fetch: globalThis.fetch,
  iamEndpoint: 'https://iam.cn-north-4.myhuaweicloud.com',
  region: 'cn-north-4',
  ...(projectId ? { projectId } : {}),
});

describe('akskCredentials', () => {
  const cases: Array<{
    name: string;
    url: string;
    headers: Record<string, string>;
    projectId?: string;
    securityToken?: string;
  }> = [
    {
      name: 'ShowBackupDownloadLink with the headers this client sends',
      url: 'https://dds.cn-north-4.myhuaweicloud.com/v3/0549b4a43100d4f32f51c01c2fe4acdb/backups/download-file?instance_id=9136fd2a9fcd405ea4674276ce36dae8in02&backup_id=43e4feaab48f11e89039fa163ebaa7e4br02',
      headers: { 'User-Agent': 'dds-backup/0.1.0', 'X-Language': 'zh-cn' },
      projectId: '0549b4a43100d4f32f51c01c2fe4acdb',
    },
    {
      name: 'a query that needs encoding, temporary credentials',
      url: 'https://iam.cn-north-4.myhuaweicloud.com/v3/projects?name=cn-north-4&marker=a b*c',
      headers: {},
      securityToken: 'temporary-security-token-value',
    },
  ];

  it.each(cases)('signs $name exactly as @huaweicloud/huaweicloud-sdk-core does', async (c) => {
    const now = new Date('2026-11-29T01:02:03Z');
    const provider = akskCredentials({
      ak: 'AKEXAMPLE000',
      sk: 'SKEXAMPLE-secret-key',
      securityToken: c.securityToken,
      now: () => now,
    });
    const signed = await provider.authorize(new Request(c.url, { headers: c.headers }), context(c.projectId));

    const url = new URL(c.url);
    const sdkHeaders: Record<string, string> = { ...c.headers, 'X-Sdk-Date': '20261129T010203Z' };
    if (c.projectId) sdkHeaders['X-Project-Id'] = c.projectId;
    if (c.securityToken) sdkHeaders['X-Security-Token'] = c.securityToken;
    const reference = AKSKSigner.sign(
      {
        endpoint: `${url.origin}${url.pathname}`,
        method: 'GET',
        headers: sdkHeaders,
        queryParams: Object.fromEntries(url.searchParams),
      },
      { getAk: () => 'AKEXAMPLE000', getSk: () => 'SKEXAMPLE-secret-key' },
    );
    expect(signed.headers.get('authorization')).toBe(reference.Authorization);
    expect(signed.headers.get('x-sdk-date')).toBe('20261129T010203Z');
  });

  it('refuses a missing SK with a message naming the variables', () => {
    expect(() => akskCredentials({ ak: 'AK', sk: '' })).toThrow(/HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK/);
  });
});
