import { startMock } from './lib/mock.mjs';
import net from 'node:net';
import { open, rm } from 'node:fs/promises';
const size = 2 ** 30;
const mock = await startMock();
const ids = await mock.addFile(size);
async function rawGet(label, onData) {
  const link = new URL(await mock.link(ids.instanceId, ids.backupId));
  const t = Date.now();
  await new Promise((resolve) => {
    const s = net.connect(Number(link.port), link.hostname, () => {
      s.write(`GET ${link.pathname}${link.search} HTTP/1.1\r\nHost: ${link.host}\r\nConnection: close\r\n\r\n`);
    });
    let got = 0;
    s.on('data', (c) => { got += c.length; onData?.(c); });
    s.on('end', resolve);
  });
  console.log(label, (size / 1e6 / ((Date.now() - t) / 1000)).toFixed(0), 'MB/s');
}
await rawGet('raw net consume');
await rawGet('raw net consume 2');
const fh = await open('/tmp/p4', 'w');
let pos = 0; let pending = [];
await rawGet('raw net + writev no wait', (c) => { fh.write(c, 0, c.length, pos); pos += c.length; });
await fh.close(); await rm('/tmp/p4');
await mock.stop();
