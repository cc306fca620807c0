import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { clean, curlDownload, curlTeeSha256, mbps, ourDownload } from '../lib/download.mjs';
import { startMock } from '../lib/mock.mjs';
import { runTimed } from '../lib/processes.mjs';
import { alternate, fmt, summary } from '../lib/stats.mjs';

/**
 * Download of one large file from the mock on loopback (the whole command, start-up included),
 * to tmpfs (/dev/shm: no disk to hide CPU) and to disk (the bench's work directory), issue #15:
 * - `dds-backup download` with its defaults (4 segments) and with `--segments 1`;
 * - `curl -o` (no hashing) and `curl LINK | tee FILE | openssl dgst -sha256`, the peer that
 *   hashes too (the engine takes a SHA-256 of every file and cannot switch it off);
 * - CPU seconds per GiB of every side from wait4() rusage (GNU time; a pipeline: all three);
 *   "hashing excluded" subtracts what `openssl dgst -sha256` alone spends on the same file
 *   (node's SHA-256 is OpenSSL's code), measured in the same rounds;
 * - over TLS (a second mock with a self-signed certificate: curl --cacert vs dds-backup --ca-file);
 * - the plainest Node download, `http.get(LINK)` piped to `fs.createWriteStream` (no hash, no
 *   ranges, no resume state): what the runtime itself costs per GiB, the floor under the
 *   engine's "hashing excluded" CPU.
 */
/** The plainest Node download of a link to a file (argv: LINK FILE); exits 1 on a non-200. */
const NODE_PIPE = `require('node:http').get(process.argv[1], (res) => {
  if (res.statusCode !== 200) process.exit(1);
  res.pipe(require('node:fs').createWriteStream(process.argv[2]));
})`;

export async function run({ quick, workDir }) {
  const size = quick ? 64 * 2 ** 20 : 2 ** 30;
  const gib = size / 2 ** 30;
  const shm = await mkdtemp('/dev/shm/dds-bench-');
  const mock = await startMock();
  const tls = await startMock([], { tlsDir: workDir });
  const hashed = join(shm, 'hash-only.bin');
  try {
    const ids = await mock.addFile(size);
    const tlsIds = await tls.addFile(size);
    const link = () => mock.link(ids.instanceId, ids.backupId);
    await curlDownload(await link(), hashed);
    const sides = {};
    for (const [where, base] of [
      ['tmpfs', shm],
      ['disk', workDir],
    ]) {
      sides[`curl -o, ${where}`] = async (r) => {
        const file = join(base, `curl-${r}`);
        const x = await curlDownload(await link(), file, undefined, { cpu: true });
        await clean(file);
        return { mbps: mbps(size, x.ms), cpu: x.cpuSeconds / gib };
      };
      sides[`curl | tee | openssl dgst -sha256, ${where}`] = async (r) => {
        const file = join(base, `tee-${r}`);
        const x = await curlTeeSha256(await link(), file);
        await clean(file);
        return { mbps: mbps(size, x.ms), cpu: x.cpuSeconds / gib };
      };
      for (const [label, segments] of [
        ['defaults, 4 segments', 'default'],
        ['--segments 1', 1],
      ])
        sides[`dds-backup download (${label}), ${where}`] = async (r) => {
          const dir = join(base, `ours-${segments}-${r}`);
          const x = await ourDownload(mock, ids, dir, { segments, cpu: true });
          await clean(dir);
          return { mbps: mbps(size, x.ms), cpu: x.cpuSeconds / gib, rss: x.peakRss };
        };
    }
    sides['node: http.get | fs.createWriteStream (no hash), tmpfs'] = async (r) => {
      const file = join(shm, `node-pipe-${r}`);
      const x = await runTimed(process.execPath, ['-e', NODE_PIPE, await link(), file], { cpu: true });
      await clean(file);
      if (x.code !== 0) throw new Error(`the node pipe exited ${x.code}: ${x.stderr}`);
      return { mbps: mbps(size, x.ms), cpu: x.cpuSeconds / gib };
    };
    sides['openssl dgst -sha256 FILE (hash only, tmpfs)'] = async () => {
      const x = await runTimed('openssl', ['dgst', '-sha256', hashed], { cpu: true });
      if (x.code !== 0) throw new Error(`openssl exited ${x.code}: ${x.stderr}`);
      return { mbps: mbps(size, x.ms), cpu: x.cpuSeconds / gib };
    };
    sides['curl -o (https), disk'] = async (r) => {
      const file = join(workDir, `curl-tls-${r}`);
      const x = await curlDownload(await tls.link(tlsIds.instanceId, tlsIds.backupId), file, tls.caFile, {
        cpu: true,
      });
      await clean(file);
      return { mbps: mbps(size, x.ms), cpu: x.cpuSeconds / gib };
    };
    sides['dds-backup download (defaults, 4 segments, https), disk'] = async (r) => {
      const dir = join(workDir, `ours-tls-${r}`);
      const x = await ourDownload(tls, tlsIds, dir, { segments: 'default', cpu: true });
      await clean(dir);
      return { mbps: mbps(size, x.ms), cpu: x.cpuSeconds / gib, rss: x.peakRss };
    };
    const samples = await alternate(sides, { rounds: quick ? 1 : 3, warmup: quick ? 0 : 1 });
    const s = Object.fromEntries(
      Object.entries(samples).map(([name, x]) => [
        name,
        {
          mbps: summary(x.map((v) => v.mbps)),
          cpu: summary(x.map((v) => v.cpu)),
          rss: x[0].rss === undefined ? undefined : Math.max(...x.map((v) => v.rss)) / 1e6,
        },
      ]),
    );
    const vs = (a, b) => s[a].mbps.median / s[b].mbps.median;
    const table = [
      `| side (${fmt(size / 2 ** 20)} MiB file) | MB/s median (min-max) | CPU-s per GiB median (min-max) | peak RSS MB | / curl -o | / curl \\| tee \\| openssl |`,
      '|---|---|---|---|---|---|',
    ];
    for (const [name, r] of Object.entries(s)) {
      const where = name.endsWith('tmpfs') ? 'tmpfs' : 'disk';
      const https = name.includes('https');
      const curl = https ? 'curl -o (https), disk' : `curl -o, ${where}`;
      const tee = `curl | tee | openssl dgst -sha256, ${where}`;
      const hashOnly = name.startsWith('openssl');
      table.push(
        `| ${name.replaceAll('|', '\\|')} | ${fmt(r.mbps.median)} (${fmt(r.mbps.min)}-${fmt(r.mbps.max)}) | ${fmt(r.cpu.median, 2)} (${fmt(r.cpu.min, 2)}-${fmt(r.cpu.max, 2)}) | ${r.rss === undefined ? '-' : fmt(r.rss)} | ${hashOnly ? '-' : fmt(vs(name, curl), 2)} | ${hashOnly || https ? '-' : fmt(vs(name, tee), 2)} |`,
      );
    }
    // Where the engine's CPU goes (issue #15: the profile behind the CPU figures): 4 segments,
    // its threads sampled from /proc while it runs, after the alternated rounds (the sampling
    // costs the bench process a little CPU, so these runs are not among the timed ones).
    table.push(
      '',
      `| where dds-backup download's CPU goes (defaults, 4 segments; CPU-s per GiB, user + system; median of ${quick ? 1 : 3}) | main thread | hash worker (SHA-256, MD5 where the ETag is one; reads the .part back) | other threads (V8 GC/compiler, libuv pool) | whole process (rusage) |`,
      '|---|---|---|---|---|',
    );
    // Medians per place and thread role, CPU-s per GiB: { user, system } (the why of a miss).
    const profile = {};
    for (const [where, base] of [
      ['tmpfs', shm],
      ['disk', workDir],
    ]) {
      const runs = [];
      for (let r = 0; r < (quick ? 1 : 3); r++) {
        const dir = join(base, `ours-threads-${r}`);
        const x = await ourDownload(mock, ids, dir, { segments: 'default', cpu: true, threads: true });
        await clean(dir);
        runs.push(x);
      }
      const med = (f) => summary(runs.map(f)).median / gib;
      const cell = (role) =>
        `${fmt(
          med((x) => x.threadCpu[role].user + x.threadCpu[role].system),
          2,
        )} (${fmt(
          med((x) => x.threadCpu[role].user),
          2,
        )} + ${fmt(
          med((x) => x.threadCpu[role].system),
          2,
        )})`;
      profile[where] = Object.fromEntries(
        ['main', 'busiest', 'rest'].map((role) => [
          role,
          { user: med((x) => x.threadCpu[role].user), system: med((x) => x.threadCpu[role].system) },
        ]),
      );
      table.push(
        `| ${where} | ${cell('main')} | ${cell('busiest')} | ${cell('rest')} | ${fmt(
          med((x) => x.cpuSeconds),
          2,
        )} |`,
      );
    }

    const checks = [];
    for (const where of ['tmpfs', 'disk']) {
      const tee = `curl | tee | openssl dgst -sha256, ${where}`;
      const four = `dds-backup download (defaults, 4 segments), ${where}`;
      const one = `dds-backup download (--segments 1), ${where}`;
      checks.push([
        `defaults (4 segments) to ${where}: ${fmt(vs(four, tee), 2)}x curl | tee | openssl`,
        vs(four, tee) >= 1,
        'target >= 1.0x',
      ]);
      checks.push([
        `--segments 1 to ${where}: ${fmt(vs(one, tee), 2)}x curl | tee | openssl`,
        vs(one, tee) >= 0.9,
        'target >= 0.9x',
      ]);
    }
    for (const where of ['tmpfs', 'disk']) {
      const four = `dds-backup download (defaults, 4 segments), ${where}`;
      const curl = s[`curl -o, ${where}`].cpu.median;
      const hash = s['openssl dgst -sha256 FILE (hash only, tmpfs)'].cpu.median;
      const ours = s[four].cpu.median;
      const excluded = (ours - hash) / curl;
      checks.push([
        `client CPU per GiB (4 segments, ${where}), hashing excluded: (${fmt(ours, 2)} - ${fmt(hash, 2)} for SHA-256) / ${fmt(curl, 2)} curl = ${fmt(excluded, 2)}x; incl. hashing vs curl | tee | openssl: ${fmt(ours / s[`curl | tee | openssl dgst -sha256, ${where}`].cpu.median, 2)}x`,
        excluded <= 1.4,
        'target <= 1.4x curl, hashing excluded',
      ]);
    }
    // Issue #6's targets, kept: every dds-backup side >= 0.8x curl -o on disk, peak RSS < 150 MB.
    for (const [name, r] of Object.entries(s)) {
      if (!name.startsWith('dds-backup')) continue;
      if (name.endsWith('disk')) {
        const curl = name.includes('https') ? 'curl -o (https), disk' : 'curl -o, disk';
        checks.push([
          `${name}: ${fmt(vs(name, curl), 2)}x curl -o`,
          vs(name, curl) >= 0.8,
          'target >= 0.8x (issue #6)',
        ]);
      }
      checks.push([`${name}: peak RSS ${fmt(r.rss)} MB`, r.rss < 150, 'target < 150 MB']);
    }
    const p = profile.tmpfs;
    const curlCpu = s['curl -o, tmpfs'].cpu.median;
    const why = [
      `CPU (tmpfs, per GiB, from the thread table): the main thread spends ${fmt(p.main.user, 2)} s in user code (the HTTP parser and stream callbacks for each 64 KiB socket read, copying into 256 KiB blocks, range bookkeeping) and ${fmt(p.main.system, 2)} s in the kernel (socket reads and file writes; curl's whole process, user and kernel: ${fmt(curlCpu, 2)} s); the hash worker ${fmt(p.busiest.user + p.busiest.system, 2)} s, of which ${fmt(p.busiest.system, 2)} s is system time reading the .part back; V8's and libuv's helper threads ${fmt(p.rest.user + p.rest.system, 2)} s. Hashing excluded, the target allows ${fmt(1.4 * curlCpu, 2)} s per GiB.`,
      `The runtime's floor, in the same rounds: the plainest Node download (http.get piped to fs.createWriteStream, no hash) costs ${fmt(s['node: http.get | fs.createWriteStream (no hash), tmpfs'].cpu.median, 2)} CPU-s per GiB = ${fmt(s['node: http.get | fs.createWriteStream (no hash), tmpfs'].cpu.median / curlCpu, 2)}x curl, so the 1.4x target is below what Node's own socket and stream stack costs for the same bytes.`,
      'What would close it: hash from the blocks as they arrive instead of reading the .part back (pieces keep the writes within a few pieces of the hash frontier, so most blocks could be handed to the worker in order, e.g. in a SharedArrayBuffer pool; saves the read-back), socket reads straight into the recyclable blocks (no copy; needs a lower-level read than net.Socket gives), and less per-read JavaScript; below the runtime floor only native code goes.',
      "Issue #6's '>= 0.8x curl -o' rows predate the SHA-256 every file now gets: the fair peer is the one that hashes too (curl | tee | openssl).",
    ];
    // Said only from this run's checks: the pipe rows meet in some runs and miss in others.
    const pipeMisses = checks.filter(([label, ok]) => !ok && label.endsWith('x curl | tee | openssl')).length;
    if (pipeMisses > 0)
      why.push(
        `Against that peer ${pipeMisses} row(s) miss in this run: the defaults' 4 connections cost ${fmt(s['dds-backup download (defaults, 4 segments), tmpfs'].cpu.median, 2)} CPU-s per GiB to tmpfs against ${fmt(s['dds-backup download (--segments 1), tmpfs'].cpu.median, 2)} for one, on 2 cores shared by the main thread, the hash worker and the mock; what would close it is the lower CPU per byte above.`,
      );
    return {
      why,
      title:
        'Download throughput (one file from the mock on loopback, the whole command, start-up included; to tmpfs and to disk; CPU from wait4() rusage; https rows: a mock with a self-signed certificate, curl --cacert vs dds-backup --ca-file)',
      table,
      checks,
      ran: Object.values(s).every((r) => r.mbps.median > 0 && Number.isFinite(r.cpu.median)),
    };
  } finally {
    await mock.stop();
    await tls.stop();
    await rm(shm, { recursive: true, force: true });
  }
}
