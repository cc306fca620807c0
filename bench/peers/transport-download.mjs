// One object downloaded in N ranged GETs, each written in place with positional writes: the
// same driver around two HTTP clients, so the only difference measured is the transport.
// Usage: node transport-download.mjs http1|undici URL SIZE SEGMENTS FILE
// Prints one JSON line on stderr (the bench runner keeps stderr): { ms, cpuMs }, CPU = user + system.
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const [kind, url, sizeText, segmentsText, file] = process.argv.slice(2);
const size = Number(sizeText);
const segments = Number(segmentsText);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const started = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const fh = await open(file, 'w');
const ranges = [];
const step = Math.ceil(size / segments);
for (let start = 0; start < size; start += step) ranges.push([start, Math.min(size, start + step) - 1]);

if (kind === 'http1') {
  const { http1Transport } = await import(`${repo}packages/client/dist/download/http1-transport.js`);
  const t = http1Transport(segments);
  const signal = new AbortController().signal;
  await Promise.all(
    ranges.map(async ([a, b]) => {
      const res = await t.get(url, { Range: `bytes=${a}-${b}` }, signal);
      if (res.status !== 206) throw new Error(`status ${res.status}`);
      let pos = a;
      // Chunks queue while a write is in flight and go out in one writev (what Writable does
      // for the undici side below), recycled once written.
      let queue = [];
      let queued = 0;
      let inFlight;
      const flush = () => {
        const batch = queue;
        const at = pos;
        queue = [];
        pos += queued;
        queued = 0;
        inFlight = fh.writev(batch, at).then(() => {
          for (const c of batch) res.recycle?.(c);
          inFlight = undefined;
        });
      };
      for await (const chunk of res.body) {
        queue.push(chunk);
        queued += chunk.byteLength;
        if (!inFlight) flush();
        else if (queued >= 1024 * 1024) {
          await inFlight;
          flush();
        }
      }
      while (inFlight || queue.length > 0) {
        await inFlight;
        if (queue.length > 0) flush();
      }
      if (pos !== b + 1) throw new Error(`short body ${pos - a}`);
    }),
  );
  t.close();
} else if (kind === 'undici') {
  const { Pool } = await import('undici');
  const { Writable } = await import('node:stream');
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: segments, pipelining: 1 });
  await Promise.all(
    ranges.map(async ([a, b]) => {
      let pos = a;
      await pool.stream(
        { path: target.pathname + target.search, method: 'GET', headers: { range: `bytes=${a}-${b}` } },
        ({ statusCode }) => {
          if (statusCode !== 206) throw new Error(`status ${statusCode}`);
          return new Writable({
            highWaterMark: 1024 * 1024,
            writev(entries, cb) {
              const batch = entries.map((e) => e.chunk);
              const at = pos;
              for (const c of batch) pos += c.byteLength;
              fh.writev(batch, at).then(() => cb(), cb);
            },
          });
        },
      );
      if (pos !== b + 1) throw new Error(`short body ${pos - a}`);
    }),
  );
  await pool.close();
} else throw new Error(`unknown transport ${kind}`);
await fh.close();
const cpu = process.cpuUsage(cpu0);
process.stderr.write(
  `${JSON.stringify({ ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`,
);
