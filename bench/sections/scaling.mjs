import { join } from 'node:path';
import { clean, mbps, ourDownload } from '../lib/download.mjs';
import { startMock } from '../lib/mock.mjs';
import { fmt } from '../lib/stats.mjs';

/** Scaling: time and peak memory of `dds-backup download` for growing files (must be linear / flat). */
export async function run({ quick, workDir }) {
  const sizes = quick ? [8, 32].map((m) => m * 2 ** 20) : [64 * 2 ** 20, 256 * 2 ** 20, 2 ** 30, 4 * 2 ** 30];
  const mock = await startMock();
  const rows = [];
  try {
    for (const size of sizes) {
      const ids = await mock.addFile(size);
      const dir = join(workDir, `scale-${size}`);
      const r = await ourDownload(mock, ids, dir, { segments: 4 });
      await clean(dir);
      rows.push({ size, ms: r.ms, rss: r.peakRss });
    }
  } finally {
    await mock.stop();
  }
  const first = rows[0];
  const last = rows[rows.length - 1];
  const timeGrowth = last.ms / first.ms / (last.size / first.size);
  return {
    title: 'Scaling (dds-backup download, 4 segments, one file each)',
    table: [
      '| file size | seconds | MB/s | peak RSS MB | seconds per GiB |',
      '|---|---|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${fmt(r.size / 2 ** 20)} MiB | ${fmt(r.ms / 1000, 2)} | ${fmt(mbps(r.size, r.ms))} | ${fmt(r.rss / 1e6)} | ${fmt(r.ms / 1000 / (r.size / 2 ** 30), 2)} |`,
      ),
    ],
    checks: [
      [
        `peak RSS ${fmt(Math.max(...rows.map((r) => r.rss)) / 1e6)} MB at most`,
        Math.max(...rows.map((r) => r.rss)) < 150e6,
        'flat: < 150 MB at every size',
      ],
      [
        `time per byte, largest vs smallest: ${fmt(timeGrowth, 2)}x`,
        timeGrowth <= 1.5,
        'linear: <= 1.5x (start-up dominates small files)',
      ],
    ],
    ran: rows.every((r) => r.ms > 0 && Number.isFinite(r.rss)),
  };
}
