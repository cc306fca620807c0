import { ID_SHAPES, MOCK_SERVER_PORT, MOCK_SERVER_URL, showBackupDownloadLinkExamples } from '@dds-backup/contract';
import { describe, expect, it } from 'vitest';

describe('ID_SHAPES', () => {
  it("reads the suffixes of Huawei's ids from the spec", () => {
    expect(ID_SHAPES).toEqual({
      instance: { hexLength: 32, suffix: 'in02' },
      backup: { hexLength: 32, suffix: 'br02' },
      group: { hexLength: 32, suffix: 'gr02' },
      node: { hexLength: 32, suffix: 'no02' },
    });
  });

  it("matches the spec's own examples", () => {
    const sharded = showBackupDownloadLinkExamples['200']['sharded-cluster'];
    const groupId = sharded.files.find((f) => f.group_id)?.group_id;
    expect(groupId).toMatch(new RegExp(`^[0-9a-f]{${ID_SHAPES.group.hexLength}}${ID_SHAPES.group.suffix}$`));
  });
});

describe('MOCK_SERVER_PORT', () => {
  it("is the port of the spec's mock server URL", () => {
    expect(MOCK_SERVER_PORT).toBe(Number(new URL(MOCK_SERVER_URL).port));
    expect(MOCK_SERVER_PORT).toBe(4010);
  });
});
