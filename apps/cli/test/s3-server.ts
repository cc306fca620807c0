import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// s3rver has no types; its default export is a Koa app whose callback() serves S3.
// @ts-expect-error no type declarations
import S3rver from 's3rver';

export interface S3Server {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Every request the server received (method, path with query). */
  requests: { method: string; url: string }[];
  /** s3rver's store on disk (bit rot in a test: bytes changed under the same metadata and ETag). */
  directory: string;
  close(): Promise<void>;
}

/**
 * s3rver 3.7 (a real S3 protocol server: SigV4, multipart uploads, tagging) on 127.0.0.1:0
 * behind a node:http front that journals requests, or, with `tls`, behind a node:https front
 * (an S3 server with a certificate of a test CA, as an internal MinIO behind a company CA).
 */
export async function startS3Server(options: { tls?: { key: string; cert: string } } = {}): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'dds-cli-s3rver-'));
  const bucket = 'backups';
  const app = new S3rver({ silent: true, directory, vhostBuckets: false, configureBuckets: [{ name: bucket }] });
  await app.configureBuckets();
  const serve = app.callback();
  const requests: S3Server['requests'] = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    serve(req, res);
  };
  const server = options.tls ? createTlsServer(options.tls, handler) : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requests,
    directory,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(directory, { recursive: true, force: true });
    },
  };
}
