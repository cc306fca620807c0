import { once } from 'node:events';
import { connect, createServer } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1:0 in front of `target` (an http://host:port URL), for what the mock
 * cannot do by itself:
 * - `bytesPerSecond`: each connection is paced in each direction by its own token bucket (a
 *   WAN-like link per connection, as a provider's per-flow shaping; the mock's `throttle` fault
 *   paces one response body, not a connection). The bucket holds at most `burstMs` of credit, so
 *   an idle connection cannot save up a burst. Backpressure goes through to the sender: a
 *   paused socket stops reading and the kernel's window closes, as on a slow link.
 * - `onRequest(path, hrtime)` / `onResponse(path, hrtime)`: called with process.hrtime.bigint()
 *   when a request line for `path` comes from the client, and when the first byte of its answer
 *   comes back from the target (HTTP/1.1 without pipelining: the answer is to the connection's
 *   last request). The first-byte bench times the phases of a download with them; an object
 *   request is one whose path is not /v3/... or /__mock/... (`isObjectPath`).
 * The mock's links point back at the Host a request came in on, so a client given the proxy as
 * --endpoint fetches its objects through the proxy too.
 */
export async function startTcpProxy(target, { bytesPerSecond, burstMs = 5, onRequest, onResponse } = {}) {
  const { hostname, port } = new URL(target);
  const sockets = new Set();
  let bytesToClient = 0;
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    let awaiting;
    const onRequestBytes =
      onRequest || onResponse
        ? (chunk) => {
            const m = /^(?:GET|HEAD|POST|PUT|DELETE) (\S+) HTTP\/1\.[01]\r\n/.exec(chunk.toString('latin1', 0, 2048));
            if (!m) return;
            awaiting = m[1];
            onRequest?.(m[1], process.hrtime.bigint());
          }
        : undefined;
    const onResponseBytes = (chunk) => {
      bytesToClient += chunk.length;
      if (awaiting !== undefined) {
        const path = awaiting;
        awaiting = undefined;
        onResponse?.(path, process.hrtime.bigint());
      }
    };
    pace(client, upstream, bytesPerSecond, burstMs, onRequestBytes);
    pace(upstream, client, bytesPerSecond, burstMs, onResponseBytes);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    /** Bytes forwarded from the target to clients so far. */
    bytesToClient: () => bytesToClient,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Forwards from → to, at most `rate` bytes/s (a token bucket) when given; `tap` sees each chunk first. */
function pace(from, to, rate, burstMs, tap) {
  if (!rate) {
    from.on('data', (chunk) => {
      tap?.(chunk);
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    });
    from.on('end', () => to.end());
    return;
  }
  // Credit in bytes, refilled from the monotonic clock; a chunk waits until the credit covers it.
  let credit = 0;
  let last = performance.now();
  const refill = () => {
    const now = performance.now();
    credit = Math.min(credit + ((now - last) * rate) / 1000, (burstMs * rate) / 1000);
    last = now;
  };
  let queue = Promise.resolve();
  from.on('data', (chunk) => {
    tap?.(chunk);
    from.pause();
    queue = queue.then(async () => {
      // Slices of at most one burst, so one 64 KiB read does not leave in one go.
      const step = Math.max(1024, Math.floor((burstMs * rate) / 1000));
      for (let at = 0; at < chunk.length; at += step) {
        const piece = chunk.subarray(at, Math.min(chunk.length, at + step));
        refill();
        if (credit < piece.length) await sleep(((piece.length - credit) * 1000) / rate);
        refill();
        credit -= piece.length;
        if (to.destroyed) return;
        if (!to.write(piece)) await once(to, 'drain').catch(() => {});
      }
      from.resume();
    });
  });
  from.on('end', () => {
    queue = queue.then(() => to.end());
  });
}

/** An object request (a link), not the DDS API or the mock's admin routes. */
export const isObjectPath = (path) => !path.startsWith('/v3/') && !path.startsWith('/__mock/');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
