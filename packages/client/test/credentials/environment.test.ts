import { CredentialsError, credentialsFromEnvironment } from '@dds-backup/client';
import { describe, expect, it } from 'vitest';

describe('credentialsFromEnvironment', () => {
  it('prefers AK/SK, with the project ID and security token', () => {
    const c = credentialsFromEnvironment({
      HUAWEICLOUD_SDK_AK: 'AK',
      HUAWEICLOUD_SDK_SK: 'SK-secret',
      HUAWEICLOUD_SDK_PROJECT_ID: 'p1',
      DDS_BACKUP_TOKEN: 'ignored-token',
    });
    expect(c.kind).toBe('aksk');
    expect(c.projectId).toBe('p1');
  });
  it('falls back to DDS_BACKUP_TOKEN', () => {
    expect(credentialsFromEnvironment({ DDS_BACKUP_TOKEN: 'token-value' }).kind).toBe('token');
  });
  it('names the variables when nothing is set', () => {
    expect(() => credentialsFromEnvironment({})).toThrow(CredentialsError);
    expect(() => credentialsFromEnvironment({})).toThrow(
      /HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK .* DDS_BACKUP_TOKEN/,
    );
  });
  it('refuses half an AK/SK pair', () => {
    expect(() => credentialsFromEnvironment({ HUAWEICLOUD_SDK_AK: 'AK' })).toThrow(
      /Only one of HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK/,
    );
  });
});
