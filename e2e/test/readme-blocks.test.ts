import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { describeFailure, extractShBlocks, runShBlocks } from '../src/readme-blocks.js';

const md = (...lines: string[]) => lines.join('\n');
const dir = await mkdtemp(join(tmpdir(), 'dds-readme-blocks-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? '' };

describe('extractShBlocks', () => {
  it('finds sh, bash and shell blocks, with their line, and ignores other languages', () => {
    const blocks = extractShBlocks(
      md(
        '# t',
        '```sh',
        'echo a',
        '```',
        '```ts',
        'const x = 1;',
        '```',
        '```bash',
        'echo b',
        '```',
        '~~~shell',
        'echo c',
        '~~~',
      ),
    );
    expect(blocks.map((b) => [b.line, b.code])).toEqual([
      [2, 'echo a'],
      [8, 'echo b'],
      [11, 'echo c'],
    ]);
  });

  it('reads the markers right before a fence, and only there', () => {
    const [a, b, c] = extractShBlocks(
      md(
        '<!-- not run: needs the real cloud -->',
        '```sh',
        'dds-backup links',
        '```',
        '<!-- output contains: retry -->',
        '',
        '<!-- output contains: done -->',
        '```sh',
        'x',
        '```',
        '<!-- not run: far away -->',
        'some text',
        '```sh',
        'y',
        '```',
      ),
    );
    expect(a).toMatchObject({ notRun: 'needs the real cloud', expect: [] });
    expect(b).toMatchObject({ expect: ['retry', 'done'] });
    expect(b!.notRun).toBeUndefined();
    expect(c!.notRun).toBeUndefined();
  });

  it('a "not run" marker without a reason is an error', () => {
    expect(() => extractShBlocks(md('<!-- not run: -->', '```sh', 'x', '```'))).toThrow(/needs a reason/);
  });

  it('a block in a list item loses its indent', () => {
    expect(extractShBlocks(md('- step', '  ```sh', '  echo a', '    echo b', '  ```'))[0]!.code).toBe(
      'echo a\n  echo b',
    );
  });
});

describe('runShBlocks', () => {
  it('runs the blocks in one shell, in order, in cwd, skipping "not run" ones', async () => {
    const blocks = extractShBlocks(
      md(
        '```sh',
        'X=1; echo one > out.txt',
        '```',
        '<!-- not run: no -->',
        '```sh',
        'exit 9',
        '```',
        '```sh',
        'echo "x is $X"',
        '```',
      ),
    );
    const result = await runShBlocks(blocks, { cwd: dir, env, timeoutMs: 10_000 });
    expect(describeFailure('README.md', result)).toBeUndefined();
    expect(result.outputs.map((o) => o.output.trim())).toEqual(['', 'x is 1']);
    expect(await readFile(join(dir, 'out.txt'), 'utf8')).toBe('one\n');
  });

  it('stops at the first failing command and names the block and its output', async () => {
    const blocks = extractShBlocks(
      md(
        '```sh',
        'echo fine',
        '```',
        '```sh',
        'echo about to fail',
        'false',
        'echo never',
        '```',
        '```sh',
        'echo never either',
        '```',
      ),
    );
    const result = await runShBlocks(blocks, { cwd: dir, env, timeoutMs: 10_000 });
    expect(result.code).toBe(1);
    expect(result.failed?.block.line).toBe(4);
    const message = describeFailure('README.md', result)!;
    expect(message).toContain('README.md:4 exited with 1');
    expect(message).toContain('about to fail');
    expect(message.split('--- output ---')[1]).not.toContain('never');
  });

  it('a failing command inside a pipeline fails the block', async () => {
    const result = await runShBlocks(extractShBlocks(md('```sh', 'false | cat', '```')), {
      cwd: dir,
      env,
      timeoutMs: 10_000,
    });
    expect(result.failed).toBeDefined();
  });

  it('a block that ends with a failing && list fails', async () => {
    const result = await runShBlocks(
      extractShBlocks(md('```sh', 'false && echo not', '```', '```sh', 'echo after', '```')),
      {
        cwd: dir,
        env,
        timeoutMs: 10_000,
      },
    );
    expect(result.failed?.block.line).toBe(1);
    expect(result.outputs).toHaveLength(1);
  });

  it('checks "output contains" texts', async () => {
    const blocks = extractShBlocks(
      md('<!-- output contains: hello -->', '<!-- output contains: bye -->', '```sh', 'echo hello >&2', '```'),
    );
    const result = await runShBlocks(blocks, { cwd: dir, env, timeoutMs: 10_000 });
    expect(describeFailure('R.md', result)).toBe('the block at R.md:3 did not print "bye"');
  });

  it('ends what a block left in the background, and a script that runs too long', async () => {
    const pidFile = join(dir, 'bg.pid');
    const blocks = extractShBlocks(md('```sh', `sleep 60 & echo $! > ${pidFile}`, '```', '```sh', 'sleep 60', '```'));
    const result = await runShBlocks(blocks, { cwd: dir, env, timeoutMs: 1000 });
    expect(result.timedOut).toBe(true);
    expect(describeFailure('R.md', result)).toContain('R.md:4 timed out');
    const pid = Number(await readFile(pidFile, 'utf8'));
    // Gone (SIGKILL is sent to the whole group; the kernel may need a moment to reap it).
    await vi.waitFor(() => expect(() => process.kill(pid, 0)).toThrow(), { timeout: 5000 });
  });
});
