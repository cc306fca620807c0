import { cliBin } from '../lib/mock.mjs';
import { runTimed } from '../lib/processes.mjs';
import { alternate, fmt, summary } from '../lib/stats.mjs';

/** CLI cold start: `dds-backup --help` and `dds-backup links --help` vs `node -e ''`. */
export async function run({ quick }) {
  const time = async (args) => (await runTimed(process.execPath, args)).ms;
  const samples = await alternate(
    {
      "node -e ''": () => time(['-e', '']),
      'dds-backup --help': () => time([cliBin, '--help']),
      'dds-backup links --help': () => time([cliBin, 'links', '--help']),
    },
    { rounds: quick ? 3 : 20, warmup: 2 },
  );
  const base = summary(samples["node -e ''"]).median;
  const table = ['| command | ms median (min-max) | ratio to node |', '|---|---|---|'];
  const checks = [];
  for (const [name, s] of Object.entries(samples)) {
    const m = summary(s);
    table.push(
      `| \`${name}\` | ${fmt(m.median, 1)} (${fmt(m.min, 1)}-${fmt(m.max, 1)}) | ${fmt(m.median / base, 2)} |`,
    );
    if (name !== "node -e ''")
      checks.push([`${name}: ${fmt(m.median / base, 2)}x node`, m.median / base <= 1.3, 'target <= 1.3x']);
  }
  return { title: 'CLI cold start', table, checks, ran: base > 0 };
}
