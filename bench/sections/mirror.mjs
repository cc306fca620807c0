import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clean } from '../lib/download.mjs';
import { cliBin, startMock } from '../lib/mock.mjs';
import { runTimed } from '../lib/processes.mjs';
import { alternate, fmt, summary } from '../lib/stats.mjs';

const DAY_S = 86_400;

/**
 * Mirror vs one download per backup: 20 small backups of one instance (one mock day apart, made
 * through the admin API), copied by one `dds-backup mirror` (4 backups at once, one budget of 4
 * connections) and by 20 `dds-backup download` runs started 4 at a time by `xargs -P 4`, each
 * with one connection (4 in all: the same total budget). Sides alternate; fresh directories
 * every run. Also counts the mirror's DDS API calls per backup from the mock's journal.
 */
export async function run({ quick, workDir }) {
  const backups = quick ? 6 : 20;
  const size = quick ? 256 * 1024 : 2 * 2 ** 20;
  const mock = await startMock();
  const base = join(workDir, 'mirror');
  const d = mock.defaults;
  const env = { DDS_BACKUP_TOKEN: d.token, HUAWEICLOUD_SDK_AK: '', HUAWEICLOUD_SDK_SK: '' };
  const global = ['--endpoint', mock.url, '--project-id', d.projectId, '--quiet'];
  try {
    await mock.admin('POST', 'clock', { freeze: true });
    const first = await mock.admin('POST', 'backups', { files: [{ name: 'day-0.tar.gz', size_bytes: size }] });
    const instanceId = first.backup.instance_id;
    const ids = [first.backup.id];
    for (let day = 1; day < backups; day++) {
      await mock.admin('POST', 'clock', { advance_seconds: DAY_S });
      const b = await mock.admin('POST', 'backups', {
        instance_id: instanceId,
        files: [{ name: `day-${day}.tar.gz`, size_bytes: size + day }],
      });
      ids.push(b.backup.id);
    }
    const idFile = join(workDir, 'mirror-backup-ids.txt');
    await writeFile(idFile, `${ids.join('\n')}\n`);

    let apiCalls = [];
    let n = 0;
    const mirror = async () => {
      const dir = join(base, `m${n++}`);
      await mock.admin('DELETE', 'requests');
      const r = await runTimed(
        process.execPath,
        [
          cliBin,
          ...global,
          'mirror',
          '--dir',
          dir,
          '--instance-id',
          instanceId,
          '--parallel-backups',
          '4',
          '--concurrency',
          '4',
          '--segments',
          '1',
        ],
        { env },
      );
      if (r.code !== 0) throw new Error(`dds-backup mirror exited ${r.code}: ${r.stderr.slice(-1000)}`);
      const journal = await mock.admin('GET', 'requests');
      apiCalls.push(journal.filter((e) => e.target === 'api').length);
      if ((await readdir(join(dir, instanceId))).length !== backups) throw new Error('the mirror missed backups');
      await clean(dir);
      return r.ms;
    };
    const downloads = async () => {
      const dir = join(base, `d${n++}`);
      await mkdir(dir, { recursive: true });
      const cmd =
        `xargs -P 4 -I{} "${process.execPath}" "${cliBin}" ${global.join(' ')} download --instance-id ${instanceId} ` +
        `--backup-id {} --dir "${dir}/{}" --concurrency 1 --segments 1 < "${idFile}"`;
      const r = await runTimed('sh', ['-c', cmd], { env });
      if (r.code !== 0) throw new Error(`xargs dds-backup download exited ${r.code}: ${r.stderr.slice(-1000)}`);
      if ((await readdir(dir)).length !== backups) throw new Error('the downloads missed backups');
      await clean(dir);
      return r.ms;
    };
    const samples = await alternate({ mirror, downloads }, { rounds: quick ? 1 : 5, warmup: 1 });
    apiCalls = apiCalls.slice(-samples.mirror.length);
    const m = summary(samples.mirror);
    const dl = summary(samples.downloads);
    const ratio = m.median / dl.median;
    const callsPerBackup = summary(apiCalls).median / backups;
    const mib = (backups * size) / 2 ** 20;
    return {
      title: `Mirror vs one download per backup (${backups} backups of ${fmt(size / 2 ** 20, 2)} MiB, 4 connections in all)`,
      table: [
        '| side | seconds median (min-max) | DDS API calls per backup | time / mirror |',
        '|---|---|---|---|',
        `| \`dds-backup mirror\` (4 backups at once, one budget of 4) | ${fmt(m.median / 1000, 2)} (${fmt(m.min / 1000, 2)}-${fmt(m.max / 1000, 2)}) | ${fmt(callsPerBackup, 2)} | 1.00 |`,
        `| ${backups} x \`dds-backup download\` via \`xargs -P 4\` (1 connection each) | ${fmt(dl.median / 1000, 2)} (${fmt(dl.min / 1000, 2)}-${fmt(dl.max / 1000, 2)}) | 1.00 | ${fmt(dl.median / m.median, 2)} |`,
      ],
      checks: [
        [
          `mirror / downloads = ${fmt(ratio, 2)} over ${fmt(mib, 0)} MiB`,
          ratio < 1,
          'target < 1: the mirror is faster',
        ],
        [
          `mirror API calls per backup = ${fmt(callsPerBackup, 2)}`,
          callsPerBackup <= 1.5,
          'reported, a soft bound of 1.5: ListInstances + ListBackups pages + one link call per backup',
        ],
      ],
      ran: m.n > 0 && dl.n > 0,
    };
  } finally {
    await mock.stop();
    await clean(base);
  }
}
