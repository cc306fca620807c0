import { startMock } from './lib/mock.mjs';
import { createClient, tokenCredentials } from '@dds-backup/client';
import { downloadBackup } from '@dds-backup/client/download';
import { rm } from 'node:fs/promises';
const size = 2 ** 30;
const mock = await startMock();
const ids = await mock.addFile(size);
const client = createClient({ endpoint: mock.url, projectId: mock.defaults.projectId, credentials: tokenCredentials('bench-token') });
for (const [label, opts] of [
  ['default seg1', { segmentsPerFile: 1 }],
  ['no-ckpt seg1', { segmentsPerFile: 1, checkpointBytes: 1e15, checkpointIntervalMs: 1e9 }],
  ['default seg4', { segmentsPerFile: 4 }],
  ['no-ckpt seg4', { segmentsPerFile: 4, checkpointBytes: 1e15, checkpointIntervalMs: 1e9 }],
  ['no-verify seg1', { segmentsPerFile: 1, verify: false }],
]) {
  const t = Date.now();
  await downloadBackup({ client, ...ids, dir: '/tmp/probe-dl', ...opts });
  const ms = Date.now() - t;
  console.log(label, (size / 1e6 / (ms / 1000)).toFixed(0), 'MB/s', (process.memoryUsage().rss / 1e6).toFixed(0), 'MB rss now');
  await rm('/tmp/probe-dl', { recursive: true, force: true });
}
await mock.stop();
