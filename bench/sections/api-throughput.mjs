import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { signRequest } from '@dds-backup/signer';
import autocannon from 'autocannon';
import { repo, startMock } from '../lib/mock.mjs';
import { startServer } from '../lib/processes.mjs';
import { alternate, fmt, summary } from '../lib/stats.mjs';

const load = (url, headers, duration) =>
  new Promise((resolve, reject) => {
    autocannon({ url, connections: 50, duration, headers }, (err, result) => (err ? reject(err) : resolve(result)));
  });

/** Mock API throughput: our mock (token and AK/SK) vs Prism 5.12 vs a bare node:http server. */
export async function run({ quick, workDir }) {
  const duration = quick ? 1 : 5;
  const mock = await startMock();
  const d = mock.defaults;
  const url = mock.apiUrl(d.sharded.instanceId, d.sharded.backupId);
  const body = await (await fetch(url, { headers: { 'X-Auth-Token': d.token } })).text();
  const bodyFile = join(workDir, 'api-body.json');
  await writeFile(bodyFile, body);
  const bare = await startServer(process.execPath, [join(repo, 'bench/peers/bare-server.mjs'), bodyFile], {
    ready: /listening on (\S+)/,
  });
  const prismBin = join(repo, 'node_modules/.bin/prism');
  const prism = await startServer(
    prismBin,
    [
      'mock',
      '-h',
      '127.0.0.1',
      '-p',
      String(20000 + (process.pid % 20000)),
      join(repo, 'openapi/dds-backup.openapi.yaml'),
    ],
    {
      ready: /Prism is listening on (http:\/\/\S+)/,
    },
  );
  // A signature stays valid for the allowed clock skew, so one signed header set serves a run.
  const signedHeaders = () => {
    const { headers } = signRequest({ method: 'GET', url }, d.aksk, { projectId: d.projectId });
    return Object.fromEntries(headers);
  };
  const path = new URL(url).pathname + new URL(url).search;
  try {
    const samples = await alternate(
      {
        'our mock (token)': async () => load(url, { 'X-Auth-Token': d.token }, duration),
        'our mock (AK/SK)': async () => load(url, signedHeaders(), duration),
        'Prism 5.12 mock': async () => load(`${prism.url}${path}`, { 'X-Auth-Token': d.token }, duration),
        'bare node:http': async () => load(`${bare.url}${path}`, {}, duration),
      },
      { rounds: quick ? 1 : 3, warmup: quick ? 0 : 1 },
    );
    const rows = {};
    for (const [name, results] of Object.entries(samples)) {
      rows[name] = {
        rps: summary(results.map((r) => r.requests.average)),
        p99: summary(results.map((r) => r.latency.p99)),
        errors: results.reduce((s, r) => s + r.errors + r.non2xx, 0),
      };
    }
    const ours = rows['our mock (token)'].rps.median;
    const table = [
      '| server | requests/s median (min-max) | p99 latency ms | errors + non-2xx | ratio to ours (token) |',
      '|---|---|---|---|---|',
      ...Object.entries(rows).map(
        ([name, r]) =>
          `| ${name} | ${fmt(r.rps.median)} (${fmt(r.rps.min)}-${fmt(r.rps.max)}) | ${fmt(r.p99.median, 1)} | ${r.errors} | ${fmt(r.rps.median / ours, 2)} |`,
      ),
    ];
    const vsPrism = ours / rows['Prism 5.12 mock'].rps.median;
    const vsBare = ours / rows['bare node:http'].rps.median;
    return {
      title:
        'Mock API throughput (autocannon, 50 connections, `ShowBackupDownloadLink` with auth, validation and link signing)',
      table,
      checks: [
        [`ours / Prism = ${fmt(vsPrism, 1)}x`, vsPrism >= 10, 'target >= 10x'],
        [`ours / bare node:http = ${fmt(vsBare * 100)}%`, vsBare >= 0.65, 'target >= 65% (issue #15)'],
      ],
      ran: Object.values(rows).every((r) => r.rps.median > 0),
    };
  } finally {
    await Promise.all([mock.stop(), bare.stop(), prism.stop()]);
  }
}
