import { join } from 'node:path';
import { clean, curlDownload, mbps } from '../lib/download.mjs';
import { repo, startMock } from '../lib/mock.mjs';
import { processCpuSeconds, startServer } from '../lib/processes.mjs';
import { alternate, fmt, summary } from '../lib/stats.mjs';

/**
 * Object serving (issue #15): curl -o /dev/null pulling one object on loopback from our mock
 * (bytes generated on the fly) vs a bare node:http server sending the same bytes from memory
 * (the ceiling node allows) and a bare node:http file server (createReadStream). Each server runs
 * in its own process; its CPU seconds per GiB come from /proc/PID/stat read before and after each
 * transfer (the mock's include the one API call that signs the link).
 */
export async function run({ quick, workDir }) {
  const size = quick ? 64 * 2 ** 20 : 2 ** 30;
  const gib = size / 2 ** 30;
  const mock = await startMock();
  const file = join(workDir, 'object.bin');
  let files;
  let memory;
  try {
    const ids = await mock.addFile(size);
    await curlDownload(await mock.link(ids.instanceId, ids.backupId), file);
    const peer = (script) =>
      startServer(process.execPath, [join(repo, 'bench/peers', script), file], { ready: /listening on (\S+)/ });
    [files, memory] = await Promise.all([peer('file-server.mjs'), peer('memory-server.mjs')]);
    const serve = async (server, url) => {
      const cpu0 = await processCpuSeconds(server.child.pid);
      const r = await curlDownload(await url(), '/dev/null');
      const cpu = (await processCpuSeconds(server.child.pid)) - cpu0;
      return { mbps: mbps(size, r.ms), cpuPerGiB: cpu / gib };
    };
    const samples = await alternate(
      {
        'our mock': () => serve(mock, () => mock.link(ids.instanceId, ids.backupId)),
        'bare node:http from memory': () => serve(memory, () => `${memory.url}/object.bin`),
        'bare node:http file server': () => serve(files, () => `${files.url}/object.bin`),
      },
      { rounds: quick ? 1 : 5, warmup: quick ? 0 : 1 },
    );
    const rows = Object.fromEntries(
      Object.entries(samples).map(([name, s]) => [
        name,
        { mbps: summary(s.map((x) => x.mbps)), cpu: summary(s.map((x) => x.cpuPerGiB)) },
      ]),
    );
    const ours = rows['our mock'];
    const ceiling = rows['bare node:http from memory'];
    const table = [
      `| server (${fmt(size / 2 ** 20)} MiB, curl to /dev/null) | MB/s median (min-max) | server CPU-s per GiB median (min-max) | ours / this server |`,
      '|---|---|---|---|',
      ...Object.entries(rows).map(
        ([name, r]) =>
          `| ${name} | ${fmt(r.mbps.median)} (${fmt(r.mbps.min)}-${fmt(r.mbps.max)}) | ${fmt(r.cpu.median, 2)} (${fmt(r.cpu.min, 2)}-${fmt(r.cpu.max, 2)}) | ${fmt(ours.mbps.median / r.mbps.median, 2)} |`,
      ),
    ];
    const ratio = ours.mbps.median / ceiling.mbps.median;
    return {
      title:
        'Object serving (curl pulling one object on loopback; each server in its own process, its CPU from /proc/PID/stat)',
      table,
      checks: [
        [`our mock / bare node:http from memory = ${fmt(ratio, 2)}x`, ratio >= 0.8, 'target >= 0.8x'],
        [`our mock: ${fmt(ours.cpu.median, 2)} CPU-s per GiB served`, ours.cpu.median <= 0.4, 'target <= 0.4 s/GiB'],
        [`our mock serves ${fmt(ours.mbps.median / 1000, 2)} GB/s`, ours.mbps.median >= 1000, 'target >= 1 GB/s'],
      ],
      ran: ours.mbps.median > 0 && ceiling.mbps.median > 0,
    };
  } finally {
    await Promise.all([mock.stop(), files?.stop(), memory?.stop()]);
    await clean(file);
  }
}
