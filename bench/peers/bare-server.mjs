// The ceiling: a bare node:http server answering one fixed JSON body (the body our mock answers)
// for every request. argv[2] = file holding the body.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const body = readFileSync(process.argv[2]);
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, 'x-request-id': 'fixed' });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => console.log(`bare listening on http://127.0.0.1:${server.address().port}`));
