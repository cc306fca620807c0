import { startMock } from './lib/mock.mjs';
import http from 'node:http';
import { open, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
const size = 2 ** 30;
const mock = await startMock();
const ids = await mock.addFile(size);
const get = (url) => new Promise((res, rej) => http.get(url, res).on('error', rej));
async function run(label, fn) {
  const link = await mock.link(ids.instanceId, ids.backupId);
  const t = Date.now();
  await fn(await get(link));
  console.log(label, (size / 1e6 / ((Date.now() - t) / 1000)).toFixed(0), 'MB/s');
  await rm('/tmp/p3', { force: true });
}
await run('consume for-await', async (r) => { for await (const c of r) {} });
await run('consume on-data', (r) => new Promise((ok) => { r.on('data', () => {}); r.on('end', ok); }));
await run('pipeline createWriteStream', (r) => pipeline(r, createWriteStream('/tmp/p3')));
await run('for-await + fh.write await each', async (r) => { const fh = await open('/tmp/p3', 'w'); let pos = 0; for await (const c of r) { await fh.write(c, 0, c.length, pos); pos += c.length; } await fh.close(); });
await mock.stop();
