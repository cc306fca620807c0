import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { clean, ourDownload } from '../lib/download.mjs';
import { startMock } from '../lib/mock.mjs';
import { runTimed } from '../lib/processes.mjs';
import { alternate, fmt, summary } from '../lib/stats.mjs';
import { startTcpProxy } from '../lib/tcp-proxy.mjs';

/**
 * Time to first object byte after process start (issue #15), mock on loopback. Measured from
 * the moment before spawn() (the bench's monotonic clock) to the moment the first byte of the
 * answer to an object GET leaves the mock towards the client, seen by an unthrottled TCP proxy
 * in front of the mock (bench/lib/tcp-proxy.mjs): everything the client does first counts (node
 * start-up, module loading, the API call for the link, the first ranged request), the file
 * writing does not. Independent of how the engine names its files. The peer: curl given the link
 * (it makes no API call and loads no runtime: the floor of a process that only fetches).
 */
export async function run({ quick }) {
  const size = 32 * 2 ** 20;
  const shm = await mkdtemp('/dev/shm/dds-bench-');
  const mock = await startMock();
  let first;
  const proxy = await startTcpProxy(mock.url, {
    onObjectResponse: (t) => {
      first ??= t;
    },
  });
  try {
    const ids = await mock.addFile(size);
    const api = new URL(mock.apiUrl(ids.instanceId, ids.backupId));
    const link = async () =>
      (
        await (
          await fetch(`${proxy.url}${api.pathname}${api.search}`, {
            headers: { 'X-Auth-Token': mock.defaults.token },
          })
        ).json()
      ).files[0].download_link;
    const ttfb = (started) => {
      if (first === undefined) throw new Error('no object byte went through the proxy');
      return Number(first - started) / 1e6;
    };
    const samples = await alternate(
      {
        'dds-backup download (defaults)': async (r) => {
          const dir = join(shm, `ours-${r}`);
          first = undefined;
          const x = await ourDownload(mock, ids, dir, { segments: 'default', endpoint: proxy.url });
          await clean(dir);
          return ttfb(x.started);
        },
        'curl -o LINK (link given)': async (r) => {
          const url = await link();
          const file = join(shm, `curl-${r}`);
          first = undefined;
          const x = await runTimed('curl', ['-sS', '--fail', '-o', file, url]);
          if (x.code !== 0) throw new Error(`curl exited ${x.code}: ${x.stderr}`);
          await clean(file);
          return ttfb(x.started);
        },
      },
      { rounds: quick ? 2 : 10, warmup: 1 },
    );
    const ours = summary(samples['dds-backup download (defaults)']);
    const curl = summary(samples['curl -o LINK (link given)']);
    return {
      title:
        'Time to first object byte (spawn to the first byte of an object answer leaving the mock, seen by a TCP proxy in front of it; 32 MiB file, loopback)',
      table: [
        '| command | ms median (min-max) |',
        '|---|---|',
        `| dds-backup download (defaults; start-up, API call, first range) | ${fmt(ours.median, 1)} (${fmt(ours.min, 1)}-${fmt(ours.max, 1)}) |`,
        `| curl -o LINK (link given, no API call) | ${fmt(curl.median, 1)} (${fmt(curl.min, 1)}-${fmt(curl.max, 1)}) |`,
      ],
      checks: [
        [
          `dds-backup download: first object byte ${fmt(ours.median / 1000, 3)} s after spawn`,
          ours.median <= 200,
          'target <= 0.2 s',
        ],
      ],
      ran: ours.n > 0 && curl.n > 0,
    };
  } finally {
    await proxy.stop();
    await mock.stop();
    await rm(shm, { recursive: true, force: true });
  }
}
