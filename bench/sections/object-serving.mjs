import { join } from 'node:path';
import { clean, curlDownload, mbps } from '../lib/download.mjs';
import { repo, startMock } from '../lib/mock.mjs';
import { startServer } from '../lib/processes.mjs';
import { alternate, fmt, summary } from '../lib/stats.mjs';

/** Object serving: curl -o /dev/null from our mock (bytes generated on the fly) vs a bare node:http file server. */
export async function run({ quick, workDir }) {
  const size = quick ? 64 * 2 ** 20 : 2 ** 30;
  const mock = await startMock();
  const file = join(workDir, 'object.bin');
  let files;
  try {
    const ids = await mock.addFile(size);
    await curlDownload(await mock.link(ids.instanceId, ids.backupId), file);
    files = await startServer(process.execPath, [join(repo, 'bench/peers/file-server.mjs'), file], {
      ready: /listening on (\S+)/,
    });
    const samples = await alternate(
      {
        'our mock': async () =>
          mbps(size, (await curlDownload(await mock.link(ids.instanceId, ids.backupId), '/dev/null')).ms),
        'bare node:http file server': async () =>
          mbps(size, (await curlDownload(`${files.url}/object.bin`, '/dev/null')).ms),
      },
      { rounds: quick ? 1 : 5, warmup: quick ? 0 : 1 },
    );
    const ours = summary(samples['our mock']);
    const table = [
      `| server (${fmt(size / 2 ** 20)} MiB, curl to /dev/null) | MB/s median (min-max) | ratio to ours |`,
      '|---|---|---|',
    ];
    for (const [name, s] of Object.entries(samples)) {
      const m = summary(s);
      table.push(`| ${name} | ${fmt(m.median)} (${fmt(m.min)}-${fmt(m.max)}) | ${fmt(m.median / ours.median, 2)} |`);
    }
    return {
      title: 'Object serving (curl pulling one object on loopback)',
      table,
      checks: [[`our mock serves ${fmt(ours.median / 1000, 2)} GB/s`, ours.median >= 1000, 'target >= 1 GB/s']],
      ran: ours.median > 0,
    };
  } finally {
    await Promise.all([mock.stop(), files?.stop()]);
    await clean(file);
  }
}
