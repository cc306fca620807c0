// Bad input to mirror and download --latest: exit 2 with a message saying what to type, before
// any credentials are looked at or any request is made (no fetch is given: a request would fail).
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers.js';

const env = { DDS_BACKUP_TOKEN: 'usage-token-secret' };
const noRequests = async (): Promise<Response> => {
  throw new Error('no request may be made for bad input');
};
const run = (argv: string[]) => runCli(['--endpoint', 'http://127.0.0.1:9', ...argv], { env, fetch: noRequests });

describe('bad input is exit 2 with a clear message', () => {
  it.each([
    [
      ['mirror', '--dir', 'x', '--keep', '0'],
      /--keep must be a whole number of at least 1 \(got "0"\): --keep 0 would delete every copy/,
    ],
    [['mirror', '--dir', 'x', '--keep-days', '-1'], /--keep-days must be a whole number of at least 1 \(got "-1"\)/],
    [['mirror', '--dir', 'x', '--keep', '2.5'], /--keep must be a whole number/],
    [['mirror', '--dir', 'x', '--keep-days', 'week'], /--keep-days must be a whole number/],
    [
      ['mirror', '--dir', 'x', '--since', 'last tuesday'],
      /--since must be an RFC 3339 time or a UTC date .* got "last tuesday"/,
    ],
    [['mirror', '--dir', 'x', '--since', '2026-02-30'], /--since must be an RFC 3339 time/],
    [['mirror', '--keep', '3'], /--dir is required/],
    [['mirror', '--dir', 'x', '--type', 'incremental'], /--type incremental needs --instance-id/],
    [['mirror', '--dir', 'x', '--type', 'full'], /--type must be one of auto, manual, incremental/],
    [['mirror', '--dir', 'x', '--parallel-backups', '0'], /--parallel-backups must be a whole number from 1 to 16/],
    [['backups', '--since', 'soon'], /--since must be an RFC 3339 time/],
    [['backups', '--type', 'incremental'], /--type incremental needs --instance-id/],
    [
      ['download', '--instance-id', 'I', '--backup-id', 'B', '--latest'],
      /--latest and --backup-id exclude each other: pass --backup-id ID for one backup, or --latest/,
    ],
    [['download', '--latest'], /--instance-id is required/],
  ])('%j', async (argv, message) => {
    const r = await run(argv);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('usage-token-secret');
    expect(r.stdout).toBe('');
  });
});
