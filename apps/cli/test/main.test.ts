import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/command-table.js';
import { runCli } from './helpers.js';

describe('dds-backup (main)', () => {
  it('--help lists every command, the exit codes and the environment', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(`  ${c.name}`);
    expect(r.stdout).toMatch(/130\s+interrupted/);
    expect(r.stdout).toContain('HUAWEICLOUD_SDK_AK');
  });

  it.each(COMMANDS.map((c) => c.name))('%s --help shows usage, options and examples', async (name) => {
    const r = await runCli([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: dds-backup');
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('Exit codes:');
  });

  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['links', '--instance-idd', 'x'], "Unknown option '--instance-idd'"],
    [['links', '--backup-id', 'b'], '--instance-id is required'],
    [
      ['links', '--instance-id', 'i', '--backup-id', 'b', '-o', 'xml'],
      '--output must be one of table, json, yaml, tsv',
    ],
    [
      ['download', '--instance-id', 'i', '--backup-id', 'b', '--concurrency', '0'],
      '--concurrency must be a whole number from 1 to 32',
    ],
    [['--region', 'mars-1', 'links', '--instance-id', 'i', '--backup-id', 'b'], 'Unknown region "mars-1"'],
    [[], 'no command given'],
  ])('usage error %j exits 2 with a message that says what to do', async (argv, message) => {
    const r = await runCli(argv, { env: { DDS_BACKUP_TOKEN: 'token-for-usage-tests' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace without --verbose
  });

  it('no credentials at all exits 3 and says which variables to set', async () => {
    const r = await runCli(['links', '--instance-id', 'i', '--backup-id', 'b'], {
      env: { XDG_CONFIG_HOME: '/nonexistent-dds-backup' },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK');
  });
});
