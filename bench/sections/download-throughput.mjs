import { join } from 'node:path';
import { clean, curlDownload, mbps, ourDownload } from '../lib/download.mjs';
import { startMock } from '../lib/mock.mjs';
import { alternate, fmt, summary } from '../lib/stats.mjs';

/**
 * Download of one large file from the mock on loopback to disk: dds-backup (1 and 4 segments) vs
 * curl -o, over plain HTTP and over TLS (a second mock with a self-signed certificate: curl gets
 * --cacert, dds-backup --ca-file; keep-alive and TLS session resumption across the ranges).
 */
export async function run({ quick, workDir }) {
  const size = quick ? 64 * 2 ** 20 : 2 ** 30;
  const mock = await startMock();
  const tls = await startMock([], { tlsDir: workDir });
  try {
    const ids = await mock.addFile(size);
    const tlsIds = await tls.addFile(size);
    const samples = await alternate(
      {
        'curl -o': async (r) => {
          const file = join(workDir, `curl-${r}`);
          const x = await curlDownload(await mock.link(ids.instanceId, ids.backupId), file);
          await clean(file);
          return { mbps: mbps(size, x.ms) };
        },
        'dds-backup download (1 segment)': async (r) => {
          const dir = join(workDir, `ours1-${r}`);
          const x = await ourDownload(mock, ids, dir, { segments: 1 });
          await clean(dir);
          return { mbps: mbps(size, x.ms), rss: x.peakRss };
        },
        'dds-backup download (4 segments)': async (r) => {
          const dir = join(workDir, `ours4-${r}`);
          const x = await ourDownload(mock, ids, dir, { segments: 4 });
          await clean(dir);
          return { mbps: mbps(size, x.ms), rss: x.peakRss };
        },
        'curl -o (https)': async (r) => {
          const file = join(workDir, `curl-tls-${r}`);
          const x = await curlDownload(await tls.link(tlsIds.instanceId, tlsIds.backupId), file, tls.caFile);
          await clean(file);
          return { mbps: mbps(size, x.ms) };
        },
        'dds-backup download (4 segments, https)': async (r) => {
          const dir = join(workDir, `ours4-tls-${r}`);
          const x = await ourDownload(tls, tlsIds, dir, { segments: 4 });
          await clean(dir);
          return { mbps: mbps(size, x.ms), rss: x.peakRss };
        },
      },
      { rounds: quick ? 1 : 3, warmup: quick ? 0 : 1 },
    );
    const curl = summary(samples['curl -o'].map((s) => s.mbps));
    const curlTls = summary(samples['curl -o (https)'].map((s) => s.mbps));
    const table = [
      `| tool (${fmt(size / 2 ** 20)} MiB file, to disk) | MB/s median (min-max) | peak RSS MB | ratio to curl (same scheme) |`,
      '|---|---|---|---|',
    ];
    const checks = [];
    for (const [name, s] of Object.entries(samples)) {
      const m = summary(s.map((x) => x.mbps));
      const peer = name.includes('https') ? curlTls : curl;
      const rss = s[0].rss === undefined ? undefined : Math.max(...s.map((x) => x.rss)) / 1e6;
      table.push(
        `| ${name} | ${fmt(m.median)} (${fmt(m.min)}-${fmt(m.max)}) | ${rss === undefined ? '-' : fmt(rss)} | ${fmt(m.median / peer.median, 2)} |`,
      );
      if (!name.startsWith('curl')) {
        checks.push([
          `${name}: ${fmt(m.median / peer.median, 2)}x curl`,
          m.median / peer.median >= 0.8,
          'target >= 0.8x',
        ]);
        checks.push([`${name}: peak RSS ${fmt(rss)} MB`, rss < 150, 'target < 150 MB']);
      }
    }
    return {
      title:
        'Download throughput (one file from the mock on loopback, written to disk; the whole command, start-up included; https rows: the mock with a self-signed certificate, curl --cacert vs dds-backup --ca-file)',
      table,
      checks,
      ran: curl.median > 0 && curlTls.median > 0,
    };
  } finally {
    await mock.stop();
    await tls.stop();
  }
}
