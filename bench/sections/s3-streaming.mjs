import { createHash } from 'node:crypto';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { clean, mbps, ourDownload } from '../lib/download.mjs';
import { repo, startMock } from '../lib/mock.mjs';
import { processCpuSeconds, runTimed, startServer } from '../lib/processes.mjs';
import { alternate, fmt, median, summary } from '../lib/stats.mjs';

const BUCKET = 'bench';
// aws-cli: DDS_BENCH_AWS, else `aws` on PATH, else the pyenv shim this machine has it under.
const awsCandidates = [process.env.DDS_BENCH_AWS, 'aws', '/root/.pyenv/shims/aws'].filter(Boolean);
async function findAws() {
  for (const c of awsCandidates) if ((await runTimed(c, ['--version']).catch(() => undefined))?.code === 0) return c;
  throw new Error(
    `aws-cli not found (tried ${awsCandidates.join(', ')}): install it (Debian: apt-get install awscli) or set DDS_BENCH_AWS`,
  );
}
// s3rver's keys. aws-cli and the AWS SDK would otherwise add trailing CRC checksums that s3rver
// refuses (the engine sets WHEN_REQUIRED itself; these variables do the same for aws-cli).
const S3_ENV = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_REQUEST_CHECKSUM_CALCULATION: 'when_required',
  AWS_RESPONSE_CHECKSUM_VALIDATION: 'when_required',
};

/** Size of the one object s3rver stored under dir (its store is plain files: KEY._S3rver_object). */
async function storedObjectBytes(dir) {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const objects = entries.filter((e) => e.isFile() && e.name.endsWith('._S3rver_object'));
  if (objects.length !== 1) return Number.NaN;
  return (await stat(join(objects[0].parentPath ?? objects[0].path, objects[0].name))).size;
}

/** CPU seconds per GiB of one hash on this machine (node:crypto, 16 MiB updates, 256 MiB hashed). */
function hashCpuPerGiB(algorithm) {
  const block = Buffer.alloc(16 * 2 ** 20, 7);
  const before = process.cpuUsage();
  const hash = createHash(algorithm);
  for (let i = 0; i < 16; i++) hash.update(block);
  hash.digest();
  const used = process.cpuUsage(before);
  return ((used.user + used.system) / 1e6) * 4;
}

/**
 * Streaming into S3 (issue #16): one file from the mock into s3rver 3.7 on 127.0.0.1 (its own
 * process, its store on disk under the bench's work directory), three ways, alternated:
 * `dds-backup download --to s3://` (multipart, defaults), `curl LINK | aws s3 cp - s3://…`
 * (aws-cli 1.x, multipart from stdin) on the same server, and the same engine writing to local
 * disk. Each run's object must land whole (its stored size is checked); its files are removed
 * from s3rver's store after the run. Then the peak RSS of `download --to s3://` at three sizes,
 * with where the bytes were at the peak, and one thread-profiled run (the why of a miss).
 */
export async function run({ quick, workDir }) {
  const size = quick ? 32 * 2 ** 20 : 1.5 * 2 ** 30;
  const rssSizes = quick ? [8 * 2 ** 20, 32 * 2 ** 20] : [64 * 2 ** 20, 2 ** 30, 4 * 2 ** 30];
  const store = join(workDir, 's3rver-store');
  await mkdir(store, { recursive: true });
  const s3 = await startServer(process.execPath, [join(repo, 'bench/peers/s3-server.mjs'), store, BUCKET], {
    ready: /listening on (\S+)/,
    cwd: join(repo, 'bench'),
  });
  const mock = await startMock();
  const aws = await findAws().catch(async (error) => {
    await Promise.all([mock.stop(), s3.stop()]);
    throw error;
  });
  let n = 0;
  // s3rver's CPU seconds over a run: a server near one core's worth is the side's ceiling.
  const s3Cpu = async (f) => {
    const before = await processCpuSeconds(s3.child.pid);
    const r = await f();
    return { ...r, s3Cpu: (await processCpuSeconds(s3.child.pid)) - before };
  };
  const toS3 = async (ids, fileSize, { memory = false, threads = false } = {}) => {
    const prefix = `ours-${n++}`;
    const state = join(workDir, `s3-state-${prefix}`);
    const x = await ourDownload(mock, ids, undefined, {
      segments: 'default',
      env: { ...S3_ENV, XDG_STATE_HOME: state },
      extra: ['--to', `s3://${BUCKET}/${prefix}`, '--s3-endpoint', s3.url, '--s3-path-style'],
      memory,
      cpu: threads,
      threads,
    });
    const stored = await storedObjectBytes(join(store, BUCKET, prefix));
    await clean(join(store, BUCKET, prefix));
    await clean(state);
    if (stored !== fileSize) throw new Error(`download --to s3:// stored ${stored} bytes of ${fileSize}`);
    return { mbps: mbps(fileSize, x.ms), rss: x.peakRss, ms: x.ms, memory: x.memory, threadCpu: x.threadCpu };
  };
  try {
    const ids = await mock.addFile(size);
    const samples = await alternate(
      {
        'dds-backup download --to s3:// (defaults)': () => s3Cpu(() => toS3(ids, size)),
        'curl LINK | aws s3 cp - s3://…': () =>
          s3Cpu(async () => {
            const prefix = `aws-${n++}`;
            const link = await mock.link(ids.instanceId, ids.backupId);
            const x = await runTimed(
              'bash',
              [
                '-o',
                'pipefail',
                '-c',
                `curl -sS --fail "$1" | "$4" s3 cp - "$2" --endpoint-url "$3" --only-show-errors`,
                'curl-aws',
                link,
                `s3://${BUCKET}/${prefix}/${ids.name}`,
                s3.url,
                aws,
              ],
              { env: S3_ENV },
            );
            const stored = await storedObjectBytes(join(store, BUCKET, prefix));
            await clean(join(store, BUCKET, prefix));
            if (x.code !== 0) throw new Error(`curl | aws s3 cp exited ${x.code}: ${x.stderr.slice(-1000)}`);
            if (stored !== size) throw new Error(`aws s3 cp stored ${stored} bytes of ${size}`);
            return { mbps: mbps(size, x.ms), ms: x.ms };
          }),
        'dds-backup download --dir (local disk)': async () => {
          const dir = join(workDir, `s3-disk-${n++}`);
          const x = await ourDownload(mock, ids, dir, { segments: 'default' });
          await clean(dir);
          return { mbps: mbps(size, x.ms), rss: x.peakRss };
        },
      },
      { rounds: quick ? 1 : 3, warmup: 0 },
    );
    const rows = Object.fromEntries(
      Object.entries(samples).map(([name, s]) => [
        name,
        {
          mbps: summary(s.map((x) => x.mbps)),
          rss: s[0].rss === undefined ? undefined : Math.max(...s.map((x) => x.rss)) / 1e6,
        },
      ]),
    );
    const ours = rows['dds-backup download --to s3:// (defaults)'].mbps.median;
    // s3rver writes every byte twice (each part to a file, then all parts concatenated into the
    // object on CompleteMultipartUpload): the S3 sides carry that cost, the disk side does not.
    const table = [
      `| side (${fmt(size / 2 ** 20)} MiB file, s3rver store on disk) | MB/s median (min-max) | peak RSS MB | / dds-backup --to s3:// |`,
      '|---|---|---|---|',
      ...Object.entries(rows).map(
        ([name, r]) =>
          `| ${name.replaceAll('|', '\\|')} | ${fmt(r.mbps.median)} (${fmt(r.mbps.min)}-${fmt(r.mbps.max)}) | ${r.rss === undefined ? '-' : fmt(r.rss)} | ${fmt(r.mbps.median / ours, 2)} |`,
      ),
    ];
    const rss = [];
    for (const s of rssSizes) {
      const x = await toS3(await mock.addFile(s), s, { memory: true });
      rss.push({ size: s, rss: x.rss / 1e6, memory: x.memory });
    }
    // At the sample of the highest RSS: V8's heap (heapTotal), ArrayBuffers (the parts in flight,
    // the transport's body blocks), and the rest (code, V8's own tables, malloc, stacks).
    const mem = (r, key) => (r.memory ? r.memory[key] / 1e6 : Number.NaN);
    const rest = (r) => mem(r, 'rss') - mem(r, 'heapTotal') - mem(r, 'arrayBuffers');
    table.push(
      '',
      '| `dds-backup download --to s3://` (defaults), file size | peak RSS MB | at the highest sampled RSS: V8 heap (heapTotal) MB | ArrayBuffers MB | the rest MB |',
      '|---|---|---|---|---|',
      ...rss.map(
        (r) =>
          `| ${fmt(r.size / 2 ** 20)} MiB | ${fmt(r.rss)} | ${fmt(mem(r, 'heapTotal'))} | ${fmt(mem(r, 'arrayBuffers'))} | ${fmt(rest(r))} |`,
      ),
    );
    // Where the CPU of a run into S3 goes (after the rounds: the sampling costs a little).
    const profiled = await s3Cpu(() => toS3(ids, size, { threads: true }));
    const gib = size / 2 ** 30;
    const cpuOf = (t) => (t.user + t.system) / gib;
    const ourS3 = median(samples['dds-backup download --to s3:// (defaults)'].map((x) => x.s3Cpu / (x.ms / 1000)));
    const awsS3 = median(samples['curl LINK | aws s3 cp - s3://…'].map((x) => x.s3Cpu / (x.ms / 1000)));
    const pipe = rows['curl LINK | aws s3 cp - s3://…'].mbps.median;
    const disk = rows['dds-backup download --dir (local disk)'].mbps.median;
    table.push(
      '',
      `--to s3:// runs at ${fmt(ours / disk, 2)}x the same engine writing to local disk (s3rver stores every byte twice: parts, then the object).`,
    );
    const growth = rss[rss.length - 1].rss / rss[0].rss;
    const [small, large] = [rss[0], rss[rss.length - 1]];
    const why = [];
    if (ours / pipe < 1) {
      // What the S3 path's three hashes of every byte cost here (file SHA-256 and MD5, part MD5).
      const md5 = hashCpuPerGiB('md5');
      const sha256 = hashCpuPerGiB('sha256');
      const main = cpuOf(profiled.threadCpu.main);
      why.push(
        `Speed: s3rver is one Node process that writes every byte twice, and it shares the machine's cores with the mock and the client. It was busy ${fmt(ourS3 * 100)}% of one core during the runs of dds-backup --to s3:// and ${fmt(awsS3 * 100)}% during curl | aws s3 cp (CPU-s over wall time, medians). One thread-profiled run of ours (${fmt(mbps(size, profiled.ms))} MB/s), CPU-s per GiB: main thread ${fmt(cpuOf(profiled.threadCpu.main), 2)} (user ${fmt(profiled.threadCpu.main.user / gib, 2)}, system ${fmt(profiled.threadCpu.main.system / gib, 2)}), of which the three hashes of every byte it runs there (the file's SHA-256 and MD5, each part's Content-MD5) cost ${fmt(2 * md5 + sha256, 2)} (${fmt(((2 * md5 + sha256) / main) * 100)}%; MD5 ${fmt(md5, 2)}, SHA-256 ${fmt(sha256, 2)} CPU-s per GiB measured here), the rest being the range GETs and the SDK's part uploads; busiest other thread (a V8 or libuv helper: the S3 path hashes on the main thread) ${fmt(cpuOf(profiled.threadCpu.busiest), 2)}, the rest ${fmt(cpuOf(profiled.threadCpu.rest), 2)}; s3rver ${fmt(profiled.s3Cpu / gib, 2)}. On this 2-core machine the client's CPU and s3rver's compete wherever the hashes run: what would close it here is fewer CPU-s per byte (one MD5 pass fewer: the part's Content-MD5 and the file's MD5 read the same bytes), and on more cores a hash worker off the main thread (as the disk engine has); against a real S3 the server's side is not on this machine.`,
      );
    }
    if (growth > 1.2)
      why.push(
        `Memory: from ${fmt(small.size / 2 ** 20)} MiB to ${fmt(large.size / 2 ** 20)} MiB the peak RSS grew ${fmt(large.rss - small.rss)} MB: V8's heap ${fmt(mem(large, 'heapTotal') - mem(small, 'heapTotal'))} MB, ArrayBuffers ${fmt(mem(large, 'arrayBuffers') - mem(small, 'arrayBuffers'))} MB, the rest ${fmt(rest(large) - rest(small))} MB (at the highest sampled RSS of each run). The parts in flight are bounded by design: partsPerFile (4) buffers of 16 MiB per file, taken from and given back to a pool (part-buffer-pool.ts), and the transport's body blocks are one shared pool (body-blocks.ts); growth in ArrayBuffers is garbage not yet collected, growth in the heap is V8 sizing its spaces up, and the rest is native memory (malloc, V8's tables) that the process does not give back.`,
      );
    return {
      why,
      title:
        'Streaming into S3 (one file from the mock into s3rver 3.7 on 127.0.0.1, its store on disk; the whole command; sides alternated)',
      table,
      checks: [
        [
          `dds-backup --to s3:// / curl | aws s3 cp = ${fmt(ours / pipe, 2)}x`,
          ours / pipe >= 1,
          'no number in #16; >= 1x: not slower than the pipe',
        ],
        [
          `peak RSS of --to s3://: ${rss.map((r) => fmt(r.rss)).join(', ')} MB; largest / smallest file ${fmt(growth, 2)}x`,
          growth <= 1.2,
          'flat: <= 1.2x from the smallest to the largest file',
        ],
      ],
      ran: ours > 0 && pipe > 0 && disk > 0 && rss.every((r) => Number.isFinite(r.rss)),
    };
  } finally {
    await mock.stop();
    await s3.stop();
    await clean(store);
  }
}
