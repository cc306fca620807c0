// The ceiling of object serving in node: a bare node:http server sending the bytes of one file
// from memory (read once at start-up), in 1 MiB views of that one buffer, honouring backpressure.
// No per-request allocation, no hashing, no journal: what node itself costs per byte.
// argv[2] = the file (the object the mock serves, fetched once by the bench).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const body = readFileSync(process.argv[2]);
const CHUNK = 1 << 20;
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  let at = 0;
  const pump = () => {
    while (at < body.length) {
      const end = Math.min(body.length, at + CHUNK);
      const ok = res.write(body.subarray(at, end));
      at = end;
      if (!ok) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
});
server.listen(0, '127.0.0.1', () => console.log(`memory listening on http://127.0.0.1:${server.address().port}`));
