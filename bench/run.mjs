// `npm run bench` (and `npm run bench -- --quick`, `--only=SECTION[,SECTION]`): every comparison of issues #6, #15 and #16, each alternating
// its sides (A B A B ...) after a warm-up, reporting medians, min/max and ratios taken in the same
// run. Writes bench/RESULTS.md (a full run only) and prints the same Markdown.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const quick = process.argv.includes('--quick');
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const sections = [
  'api-throughput',
  'download-throughput',
  'object-serving',
  'cold-start',
  'resume-cost',
  'wan-throttle',
  'first-byte',
  'scaling',
  's3-streaming',
  'mirror',
  'transport-choice',
].filter((s) => !only || only.includes(s));
const workDir = await mkdtemp(join(tmpdir(), 'dds-bench-'));
const started = Date.now();
const out = [
  `# Benchmark results${quick ? ' (quick mode: small sizes, one round; not for comparison)' : ''}`,
  '',
  `Run on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM.`,
  'A shared, noisy machine: compare the ratios (taken in the same run, sides alternated), not absolute numbers.',
  'Reproduce: `npm run bench` (about 15 minutes) or `npm run bench -- --quick`.',
  '',
];
let failedToRun = 0;
for (const name of sections) {
  const t = Date.now();
  process.stderr.write(`bench: ${name}...\n`);
  try {
    const { run } = await import(`./sections/${name}.mjs`);
    const r = await run({ quick, workDir });
    out.push(`## ${r.title}`, '', ...r.table, '');
    for (const [text, ok, target] of r.checks) out.push(`- ${ok ? 'meets' : 'MISSES'}: ${text} (${target})`);
    // A section says why it misses (the profile behind the miss, and what would close it).
    if (r.why?.length && r.checks.some(([, ok]) => !ok))
      out.push('', '**Why it misses, and what would close it:**', ...r.why.map((w) => `- ${w}`));
    out.push('', `_${((Date.now() - t) / 1000).toFixed(0)} s_`, '');
    if (!r.ran) failedToRun++;
  } catch (error) {
    failedToRun++;
    out.push(`## ${name}`, '', `Could not run: ${error.stack ?? error}`, '');
  }
}
out.push(`Total: ${((Date.now() - started) / 1000).toFixed(0)} s.`);
await rm(workDir, { recursive: true, force: true });
const markdown = `${out.join('\n')}\n`;
process.stdout.write(markdown);
if (!quick && !only) await writeFile(fileURLToPath(new URL('RESULTS.md', import.meta.url)), markdown);
// Thresholds never fail the run; a comparison that could not run at all does.
process.exitCode = failedToRun > 0 ? 1 : 0;
