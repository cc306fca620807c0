import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliBin } from '../lib/mock.mjs';
import { runTimed } from '../lib/processes.mjs';
import { alternate, fmt, summary } from '../lib/stats.mjs';

/**
 * CLI cold start: `dds-backup --help` and `dds-backup links --help` vs `node -e ''`, with an
 * empty ES module beside them (what any ESM bin pays before its first line), so a miss says how
 * much of it is ours.
 */
export async function run({ quick }) {
  const dir = await mkdtemp(join(tmpdir(), 'dds-bench-cold-'));
  try {
    const empty = join(dir, 'empty.mjs');
    await writeFile(empty, '');
    const time = async (args) => (await runTimed(process.execPath, args)).ms;
    const samples = await alternate(
      {
        "node -e ''": () => time(['-e', '']),
        'node empty.mjs': () => time([empty]),
        'dds-backup --help': () => time([cliBin, '--help']),
        'dds-backup links --help': () => time([cliBin, 'links', '--help']),
      },
      { rounds: quick ? 3 : 20, warmup: 2 },
    );
    const base = summary(samples["node -e ''"]).median;
    const esm = summary(samples['node empty.mjs']).median;
    const table = ['| command | ms median (min-max) | ratio to node |', '|---|---|---|'];
    const checks = [];
    for (const [name, s] of Object.entries(samples)) {
      const m = summary(s);
      table.push(
        `| \`${name}\` | ${fmt(m.median, 1)} (${fmt(m.min, 1)}-${fmt(m.max, 1)}) | ${fmt(m.median / base, 2)} |`,
      );
      if (name.startsWith('dds-backup'))
        checks.push([`${name}: ${fmt(m.median / base, 2)}x node`, m.median / base <= 1.3, 'target <= 1.3x']);
    }
    const help = summary(samples['dds-backup --help']).median;
    return {
      title: 'CLI cold start',
      table,
      checks,
      why: [
        `\`dds-backup --help\` takes ${fmt(help - base, 0)} ms more than \`node -e ''\` (medians); an empty ES module takes ${fmt(esm - base, 0)} ms more (what any ESM bin pays before its first line), so ${fmt(help - esm, 0)} ms are ours: the bin shim, main, the help renderer and the command table (commands themselves load lazily, --help loads none). On a contended machine every side's spread is wider than that difference: compare runs.`,
        'What might close it (not measured here): fewer modules on the --help path (one file), or a V8 compile cache for the bin (`module.enableCompileCache()`, Node 22.1+, not on Node 20).',
      ],
      ran: base > 0,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
