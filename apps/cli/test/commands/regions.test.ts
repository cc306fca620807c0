import { listRegions } from '@dds-backup/contract';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';

describe('dds-backup regions', () => {
  it('lists every region of the spec with its endpoints, as json', async () => {
    const r = await runCli(['regions', '-o', 'json']);
    expect(r.code).toBe(0);
    const regions = JSON.parse(r.stdout);
    expect(regions).toEqual(listRegions());
    expect(regions).toContainEqual({
      id: 'eu-west-101',
      endpoint: 'https://dds.eu-west-101.myhuaweicloud.eu',
      iamEndpoint: 'https://iam.eu-west-101.myhuaweicloud.eu',
    });
  });
  it('prints a table on a TTY and tsv otherwise', async () => {
    expect((await runCli(['regions'], { tty: true })).stdout).toMatch(/^REGION\s+DDS ENDPOINT\s+IAM ENDPOINT\n/);
    expect((await runCli(['regions'])).stdout.split('\n')[0]!.split('\t')).toHaveLength(3);
  });
});
