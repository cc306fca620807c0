import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers.js';

describe('dds-backup completion', () => {
  it("bash: completes commands, then a command's own options", async () => {
    const script = (await runCli(['completion', 'bash'])).stdout;
    const file = join(await tempDir(), 'c.bash');
    writeFileSync(file, script);
    const complete = (words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _dds_backup; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        {
          encoding: 'utf8',
        },
      )
        .trim()
        .split('\n');
    expect(complete(['dds-backup', 'do'])).toEqual(['download']);
    expect(complete(['dds-backup', 'download', '--seg'])).toEqual(['--segments']);
    expect(complete(['dds-backup', 'config', 'l'])).toEqual(['list']);
  });
  it('zsh and fish scripts name every command', async () => {
    for (const shell of ['zsh', 'fish']) {
      const r = await runCli(['completion', shell]);
      expect(r.code).toBe(0);
      for (const c of ['links', 'download', 'verify', 'regions', 'config', 'completion']) expect(r.stdout).toContain(c);
    }
  });
  it('an unknown shell is a usage error', async () => {
    expect((await runCli(['completion', 'tcsh'])).code).toBe(2);
  });
});
