// The fenced `sh` blocks of a README, and a runner that executes them as a person would paste
// them: in order, in one shell (so a variable or a background job of one block is there for the
// next), stopping at the first command that fails.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

export interface ShBlock {
  /** 1-based line of the opening fence, for messages. */
  line: number;
  code: string;
  /** Set by `<!-- not run: REASON -->` on the line(s) just before the fence. */
  notRun?: string;
  /** Texts the block's output must contain: `<!-- output contains: TEXT -->`, repeatable. */
  expect: string[];
}

const MARKER = /^<!--\s*(not run|output contains):\s*(.*?)\s*-->$/;

/**
 * The `sh` blocks of a Markdown text. Markers are HTML comments (invisible on GitHub) on the lines
 * right before the fence, blank lines allowed between them:
 * - `<!-- not run: REASON -->`: the block is not executed (it needs the real cloud, it is the
 *   suite itself, ...); the reason is required.
 * - `<!-- output contains: TEXT -->`: the block's output (stdout and stderr) must contain TEXT.
 */
export function extractShBlocks(markdown: string): ShBlock[] {
  const lines = markdown.split('\n');
  const blocks: ShBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(\S*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trim().startsWith(fence!)) end++;
    if (lang === 'sh' || lang === 'bash' || lang === 'shell') {
      const block: ShBlock = {
        line: i + 1,
        code: lines
          .slice(i + 1, end)
          .map((l) => (l.startsWith(indent!) ? l.slice(indent!.length) : l))
          .join('\n'),
        expect: [],
      };
      for (let j = i - 1; j >= 0; j--) {
        const text = lines[j]!.trim();
        if (text === '') continue;
        const marker = MARKER.exec(text);
        if (!marker) break;
        if (marker[1] === 'not run') {
          if (!marker[2]) throw new Error(`line ${j + 1}: "not run" needs a reason`);
          block.notRun = marker[2];
        } else block.expect.unshift(marker[2]!);
      }
      blocks.push(block);
    }
    i = end;
  }
  return blocks;
}

export const readShBlocks = (file: string) => extractShBlocks(readFileSync(file, 'utf8'));

const SEPARATOR = '@@dds-readme-block';

/**
 * One bash script of the blocks to run: each block is announced on the output, `set -e` stops at
 * the first failing command (its exit code is the script's), and so does a block whose last
 * command (a `&&` list included) failed. A failure in the middle of an `&&` list that is not a
 * block's last command goes unnoticed, as it does under `set -e`.
 */
export function toScript(blocks: ShBlock[]): string {
  // One stream (stderr into stdout), so what a block printed stays between its separators.
  const parts = ['exec 2>&1', 'set -eo pipefail'];
  blocks.forEach((b, i) => {
    if (b.notRun !== undefined) return;
    // `set -e` lets a failing `a && b` list pass; its status is still `$?` after the block, so a
    // block that ends with one (`npm ci && npm start`) fails as a person would see it fail.
    parts.push(`printf '\\n${SEPARATOR} ${i}@@\\n'`, b.code, 'rc=$?; if [ "$rc" -ne 0 ]; then exit "$rc"; fi');
  });
  parts.push(`printf '\\n${SEPARATOR} end@@\\n'`);
  return `${parts.join('\n')}\n`;
}

export interface BlockOutput {
  block: ShBlock;
  output: string;
}

export interface RunResult {
  code: number | null;
  signal: string | null;
  /** Output of each block that started, in order. */
  outputs: BlockOutput[];
  /** The block that was running when the script stopped, if it did not reach the end. */
  failed?: BlockOutput;
  /** Blocks whose `output contains` texts are missing. */
  missing: Array<{ block: ShBlock; text: string }>;
  timedOut: boolean;
}

/**
 * Runs the blocks in `cwd` with `env`, in a process group of its own: whatever the blocks left in
 * the background (a mock started with `&`) is ended with the group when the script ends.
 */
export async function runShBlocks(
  blocks: ShBlock[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  const child = spawn('bash', ['-c', toScript(blocks)], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let text = '';
  child.stdout.on('data', (c) => (text += c));
  child.stderr.on('data', (c) => (text += c));
  let timedOut = false;
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs);
  const closed = once(child, 'close');
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  // A background job still holds the output pipe open: end the group, then read to the end.
  killGroup();
  await closed;

  const outputs: BlockOutput[] = [];
  let reachedEnd = false;
  const re = new RegExp(`\\n?${SEPARATOR} (\\d+|end)@@\\n`, 'g');
  const marks = [...text.matchAll(re)];
  marks.forEach((m, k) => {
    if (m[1] === 'end') {
      reachedEnd = true;
      return;
    }
    const from = m.index! + m[0].length;
    const to = k + 1 < marks.length ? marks[k + 1]!.index! : text.length;
    outputs.push({ block: blocks[Number(m[1])]!, output: text.slice(from, to) });
  });
  const missing = outputs.flatMap(({ block, output }) =>
    block.expect.filter((t) => !output.includes(t)).map((t) => ({ block, text: t })),
  );
  const ok = code === 0 && reachedEnd;
  return {
    code,
    signal,
    outputs,
    ...(ok ? {} : { failed: outputs.at(-1) }),
    missing,
    timedOut,
  };
}

/** A failure message a person can act on: the block, where it is, and what it printed. */
export function describeFailure(file: string, result: RunResult): string | undefined {
  const parts: string[] = [];
  if (result.failed || result.code !== 0) {
    const why = result.timedOut ? 'timed out' : `exited with ${result.code ?? result.signal}`;
    const where = result.failed
      ? `the block at ${file}:${result.failed.block.line}`
      : `${file} (before its first block)`;
    parts.push(
      `${where} ${why}.\n--- block ---\n${result.failed?.block.code ?? ''}\n--- output ---\n${result.failed?.output.slice(-6000) ?? ''}`,
    );
  }
  for (const { block, text } of result.missing)
    parts.push(`the block at ${file}:${block.line} did not print "${text}"`);
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}
