import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers.js';

describe('dds-backup config', () => {
  it('creates the profile file with mode 0600 and reads it back', async () => {
    const xdg = await tempDir();
    const env = { XDG_CONFIG_HOME: xdg };
    expect((await runCli(['config', 'set', 'region', 'cn-east-3'], { env })).code).toBe(0);
    const path = join(xdg, 'dds-backup', 'config.json');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(xdg, 'dds-backup'))).mode & 0o777).toBe(0o700);
    expect((await runCli(['config', 'get', 'region'], { env })).stdout).toBe('cn-east-3\n');
    expect((await runCli(['config', 'path'], { env })).stdout).toBe(`${path}\n`);
  });

  it('takes a secret only from stdin, and never prints it back', async () => {
    const xdg = await tempDir();
    const env = { XDG_CONFIG_HOME: xdg };
    const refused = await runCli(['config', 'set', 'sk', 'my-secret-key-value'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('sk is a secret: pass it on standard input');
    expect(refused.stderr).not.toContain('my-secret-key-value');

    const ok = await runCli(['config', 'set', 'sk', '-'], { env, stdin: async () => 'my-secret-key-value\n' });
    expect(ok.code).toBe(0);
    expect(JSON.parse(await readFile(join(xdg, 'dds-backup', 'config.json'), 'utf8')).profiles.default.sk).toBe(
      'my-secret-key-value',
    );
    const list = await runCli(['config', 'list'], { env });
    expect(list.stdout).toBe('sk=********\n');
  });

  it('a proxy URL is stored, but its password is masked by get and list', async () => {
    const xdg = await tempDir();
    const env = { XDG_CONFIG_HOME: xdg };
    const set = await runCli(['config', 'set', 'proxy', '-'], {
      env,
      stdin: async () => 'http://user:pr0xy-pass@proxy.corp:3128\n',
    });
    expect(set.code, set.stderr).toBe(0);
    const get = await runCli(['config', 'get', 'proxy'], { env });
    expect(get.stdout).toBe('http://********@proxy.corp:3128\n');
    expect((await runCli(['config', 'list'], { env })).stdout).not.toContain('pr0xy-pass');
  });

  it('keeps profiles apart', async () => {
    const xdg = await tempDir();
    const env = { XDG_CONFIG_HOME: xdg };
    await runCli(['--profile', 'staging', 'config', 'set', 'endpoint', 'http://127.0.0.1:4010'], { env });
    expect((await runCli(['config', 'get', 'endpoint'], { env })).code).toBe(1);
    expect((await runCli(['--profile', 'staging', 'config', 'get', 'endpoint'], { env })).stdout).toBe(
      'http://127.0.0.1:4010\n',
    );
  });

  it('refuses an unknown key, listing the known ones', async () => {
    const r = await runCli(['config', 'set', 'colour', 'red'], { env: { XDG_CONFIG_HOME: await tempDir() } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown config key "colour". Keys: region, endpoint');
  });

  it('a broken config file is reported without quoting any of it (secrets stay out of the message)', async () => {
    const xdg = await tempDir();
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(join(xdg, 'dds-backup'), { recursive: true });
    await writeFile(join(xdg, 'dds-backup', 'config.json'), '{"profiles":{"default":{"sk":SUPERSECRETVALUE}}}');
    const r = await runCli(['links', '--instance-id', 'i', '--backup-id', 'b'], { env: { XDG_CONFIG_HOME: xdg } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not valid (not valid JSON)');
    expect(r.stderr).not.toContain('SUPERSECRE');
  });
});
