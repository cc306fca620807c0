import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { clean, ourDownload } from '../lib/download.mjs';
import { startMock } from '../lib/mock.mjs';
import { fmt } from '../lib/stats.mjs';

/**
 * Resume cost: SIGKILL the download at about half way (judged by the bytes the mock has sent),
 * resume it, and divide all bytes the mock served by the file size.
 */
export async function run({ quick, workDir }) {
  const size = quick ? 64 * 2 ** 20 : 2 ** 30;
  const mock = await startMock();
  const dir = join(workDir, 'resume');
  try {
    const ids = await mock.addFile(size);
    // Slow the transfer down enough to stop it mid-way reliably on a fast loopback.
    await mock.admin('POST', 'faults', {
      target: 'download',
      kind: 'throttle',
      bytes_per_second: Math.round(size / 16),
    });
    await mock.admin('DELETE', 'requests');
    // The journal lists requests when they end; the .part file's allocated blocks show progress
    // as it happens (ranges are written in place into a sparse file).
    const halfWritten = async () => {
      const part = await stat(join(dir, `${ids.name}.part`)).catch(() => undefined);
      return part !== undefined && part.blocks * 512 >= size / 2;
    };
    const killed = await ourDownload(mock, ids, dir, { segments: 4, killWhen: halfWritten });
    await mock.admin('DELETE', 'faults');
    const resumed = await ourDownload(mock, ids, dir, { segments: 4 });
    const served = await mock.objectBytesServed();
    const ratio = served / size;
    return {
      title: 'Resume cost (kill -9 at about 50%, then resume; 4 segments)',
      table: [
        '| file | first run | resumed run | bytes served / file size |',
        '|---|---|---|---|',
        `| ${fmt(size / 2 ** 20)} MiB | killed (${killed.signal ?? killed.code}) | exit ${resumed.code} | ${fmt(ratio, 4)} |`,
      ],
      checks: [[`bytes served / size = ${fmt(ratio, 4)}`, ratio <= 1.02, 'target <= 1.02']],
      ran: resumed.code === 0 && served > 0,
    };
  } finally {
    await mock.stop();
    await clean(dir);
  }
}
