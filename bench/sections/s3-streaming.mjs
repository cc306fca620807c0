import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { clean, mbps, ourDownload } from '../lib/download.mjs';
import { repo, startMock } from '../lib/mock.mjs';
import { runTimed, startServer } from '../lib/processes.mjs';
import { alternate, fmt, summary } from '../lib/stats.mjs';

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

/**
 * Streaming into S3 (issue #16): one file from the mock into s3rver 3.7 on 127.0.0.1 (its own
 * process, its store on disk under the bench's work directory), three ways, alternated:
 * `dds-backup download --to s3://` (multipart, defaults), `curl LINK | aws s3 cp - s3://…`
 * (aws-cli 1.x, multipart from stdin) on the same server, and the same engine writing to local
 * disk. Each run's object must land whole (its stored size is checked); its files are removed
 * from s3rver's store after the run. Then the peak RSS of `download --to s3://` at three sizes.
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
  const toS3 = async (ids, fileSize) => {
    const prefix = `ours-${n++}`;
    const state = join(workDir, `s3-state-${prefix}`);
    const x = await ourDownload(mock, ids, undefined, {
      segments: 'default',
      env: { ...S3_ENV, XDG_STATE_HOME: state },
      extra: ['--to', `s3://${BUCKET}/${prefix}`, '--s3-endpoint', s3.url, '--s3-path-style'],
    });
    const stored = await storedObjectBytes(join(store, BUCKET, prefix));
    await clean(join(store, BUCKET, prefix));
    await clean(state);
    if (stored !== fileSize) throw new Error(`download --to s3:// stored ${stored} bytes of ${fileSize}`);
    return { mbps: mbps(fileSize, x.ms), rss: x.peakRss };
  };
  try {
    const ids = await mock.addFile(size);
    const samples = await alternate(
      {
        'dds-backup download --to s3:// (defaults)': () => toS3(ids, size),
        'curl LINK | aws s3 cp - s3://…': async () => {
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
          return { mbps: mbps(size, x.ms) };
        },
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
    for (const s of rssSizes) rss.push({ size: s, rss: (await toS3(await mock.addFile(s), s)).rss / 1e6 });
    table.push(
      '',
      '| `dds-backup download --to s3://` (defaults), file size | peak RSS MB |',
      '|---|---|',
      ...rss.map((r) => `| ${fmt(r.size / 2 ** 20)} MiB | ${fmt(r.rss)} |`),
    );
    const pipe = rows['curl LINK | aws s3 cp - s3://…'].mbps.median;
    const disk = rows['dds-backup download --dir (local disk)'].mbps.median;
    table.push(
      '',
      `--to s3:// runs at ${fmt(ours / disk, 2)}x the same engine writing to local disk (s3rver stores every byte twice: parts, then the object).`,
    );
    const growth = rss[rss.length - 1].rss / rss[0].rss;
    return {
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
