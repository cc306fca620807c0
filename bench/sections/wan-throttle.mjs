import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { clean, curlDownload, mbps, ourDownload } from '../lib/download.mjs';
import { startMock } from '../lib/mock.mjs';
import { runTimed } from '../lib/processes.mjs';
import { alternate, fmt, summary } from '../lib/stats.mjs';
import { isObjectPath, startTcpProxy } from '../lib/tcp-proxy.mjs';

/**
 * A WAN-like link (issue #15): every TCP connection paced to 20 MB/s in each direction by a
 * token-bucket proxy (bench/lib/tcp-proxy.mjs) between the client and the mock, API calls
 * included. `dds-backup download --segments N` (N = 4, 8) vs one `curl -o`: with N connections
 * the ideal is N x curl; the whole command is timed (start-up included), files go to tmpfs.
 * N parallel `curl -r` over N ranges show what N connections through the proxy carry at all.
 * For the why of a miss, the proxy also times our first object byte: what comes before it is
 * start-up and the API call (bench first-byte), what comes after it is the transfer.
 */
export async function run({ quick }) {
  // Quick: big enough to be cut in segments (the engine cuts none under 16 MiB), a faster link.
  const size = quick ? 64 * 2 ** 20 : 256 * 2 ** 20;
  const PER_CONNECTION = quick ? 100e6 : 20e6;
  const shm = await mkdtemp('/dev/shm/dds-bench-');
  const mock = await startMock();
  let firstObjectByte;
  const proxy = await startTcpProxy(mock.url, {
    bytesPerSecond: PER_CONNECTION,
    onResponse: (path, t) => {
      if (isObjectPath(path)) firstObjectByte ??= t;
    },
  });
  // Per N: ms from spawn to the first object byte, and the rest of the run's MB/s.
  const phases = {};
  try {
    const ids = await mock.addFile(size);
    // The link is asked for through the proxy, so it points at the proxy (links follow the Host).
    const link = async () => {
      const api = new URL(mock.apiUrl(ids.instanceId, ids.backupId));
      const res = await fetch(`${proxy.url}${api.pathname}${api.search}`, {
        headers: { 'X-Auth-Token': mock.defaults.token },
      });
      return (await res.json()).files[0].download_link;
    };
    const sides = {
      'curl -o (1 connection)': async (r) => {
        const file = join(shm, `curl-${r}`);
        const x = await curlDownload(await link(), file);
        await clean(file);
        return mbps(size, x.ms);
      },
    };
    // What N connections through this proxy can carry at all (its own ceiling on this machine):
    // N curls with N byte ranges of the same link, started together, each to its own file.
    const parallelCurl = async (n, r) => {
      const url = await link();
      const step = Math.ceil(size / n);
      const script = Array.from(
        { length: n },
        (_, i) => `curl -sS --fail -r ${i * step}-${Math.min(size, (i + 1) * step) - 1} -o "$2.${i}" "$1" &`,
      ).join('\n');
      const file = join(shm, `pcurl-${n}-${r}`);
      const x = await runTimed('bash', [
        '-c',
        `${script}\nfor j in $(jobs -p); do wait $j || exit 1; done`,
        'pcurl',
        url,
        file,
      ]);
      await Promise.all(Array.from({ length: n }, (_, i) => clean(`${file}.${i}`)));
      if (x.code !== 0) throw new Error(`parallel curl exited ${x.code}: ${x.stderr}`);
      return mbps(size, x.ms);
    };
    for (const n of [4, 8]) {
      sides[`${n} x curl -r (parallel ranges)`] = (r) => parallelCurl(n, r);
      sides[`dds-backup download --segments ${n}`] = async (r) => {
        const dir = join(shm, `ours-${n}-${r}`);
        firstObjectByte = undefined;
        const x = await ourDownload(mock, ids, dir, { segments: n, endpoint: proxy.url });
        await clean(dir);
        const startMs = Number(firstObjectByte - x.started) / 1e6;
        phases[n] ??= { startMs: [], transfer: [] };
        phases[n].startMs.push(startMs);
        phases[n].transfer.push(mbps(size, x.ms - startMs));
        return mbps(size, x.ms);
      };
    }
    const samples = await alternate(sides, { rounds: quick ? 1 : 3, warmup: 0 });
    const curl = summary(samples['curl -o (1 connection)']);
    const table = [
      `| side (${fmt(size / 2 ** 20)} MiB, ${fmt(PER_CONNECTION / 1e6)} MB/s per connection) | MB/s median (min-max) | / curl | ideal |`,
      '|---|---|---|---|',
    ];
    const checks = [];
    for (const [name, s] of Object.entries(samples)) {
      const m = summary(s);
      const n = Number(/--segments (\d+)|^(\d+) x curl/.exec(name)?.slice(1).find(Boolean) ?? 1);
      table.push(
        `| ${name} | ${fmt(m.median, 1)} (${fmt(m.min, 1)}-${fmt(m.max, 1)}) | ${fmt(m.median / curl.median, 2)} | ${n} |`,
      );
      if (name.startsWith('dds-backup'))
        checks.push([
          `--segments ${n}: ${fmt(m.median / curl.median, 2)}x curl through the throttle`,
          m.median / curl.median >= 0.9 * n,
          `target >= ${fmt(0.9 * n, 1)}x (0.9 x N); ${n} x curl -r reach ${fmt(summary(samples[`${n} x curl -r (parallel ranges)`]).median / curl.median, 2)}x through the same proxy`,
        ]);
    }
    const why = Object.entries(phases).map(([n, p]) => {
      const start = summary(p.startMs).median;
      const transfer = summary(p.transfer).median;
      return `--segments ${n}: ${fmt(start, 0)} ms pass before the first object byte (start-up and the API call: see "Time to first object byte"); from there to exit the run moves ${fmt(transfer, 1)} MB/s = ${fmt(transfer / curl.median, 2)}x curl (target ${fmt(0.9 * n, 1)}x).`;
    });
    why.push(
      'Inside the transfer (per-connection timelines through this proxy, 2026-12-03, 256 MiB): each new piece costs a request round trip through the proxy, 70-140 ms per connection in all (2-4%); the connections now end within 51-65 ms of each other (endgamePieceBytes; 166-218 ms before). What would close the rest: a start-up under ~0.1 s (see first-byte), and asking for the next piece before the current one ends (HTTP/1.1 pipelining on the same connection).',
    );
    return {
      why,
      title: `Through a ${fmt(PER_CONNECTION / 1e6)} MB/s-per-connection throttle (a token-bucket TCP proxy in front of the mock, API included; the whole command; to tmpfs)`,
      table,
      checks,
      ran: curl.median > 0,
    };
  } finally {
    await proxy.stop();
    await mock.stop();
    await rm(shm, { recursive: true, force: true });
  }
}
