import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
// s3rver has no types; its default export is a Koa app whose callback() serves S3.
// @ts-expect-error no type declarations
import S3rver from 's3rver';

export interface S3ServerHandle {
  endpoint: string;
  bucket: string;
  /** The credentials s3rver accepts. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Every request the server received: method and path with query. */
  requests: { method: string; url: string }[];
  /** The payload-hash and Content-MD5 headers of every part upload, in arrival order. */
  partHeaders: { contentSha256: string | undefined; contentMd5: string | undefined }[];
  /** Part uploads received (PUT ?partNumber=N&uploadId=...), by part number. */
  partsReceived(): number[];
  /** Flip one byte of the body of the next part upload(s) on the way in (a corrupted part). */
  corruptParts: number;
  /**
   * Upload ids answered as AWS answers an upload that no longer exists (aborted, or expired by a
   * lifecycle rule): 404 NoSuchUpload for its parts and its completion. s3rver itself accepts
   * parts for any upload id, so this front plays the real server's part.
   */
  goneUploads: Set<string>;
  /** Called with each request as it arrives (before s3rver sees it). */
  onRequest: ((r: { method: string; url: string }) => void) | undefined;
  close(): Promise<void>;
}

/**
 * s3rver 3.7 (a real S3 protocol server: SigV4, multipart uploads, tagging) on 127.0.0.1:0,
 * behind a thin node:http front that journals requests (to count parts) and can corrupt a part
 * on the way in. Its store lives in a temp directory removed by close().
 */
export async function startS3Server(bucket = 'backups'): Promise<S3ServerHandle> {
  const directory = await mkdtemp(join(tmpdir(), 'dds-s3rver-'));
  const app = new S3rver({ silent: true, directory, vhostBuckets: false, configureBuckets: [{ name: bucket }] });
  await app.configureBuckets();
  const serve = app.callback();
  const requests: { method: string; url: string }[] = [];
  const partHeaders: S3ServerHandle['partHeaders'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    if (req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? ''))
      partHeaders.push({
        contentSha256: req.headers['x-amz-content-sha256'] as string | undefined,
        contentMd5: req.headers['content-md5'] as string | undefined,
      });
    handle.onRequest?.({ method: req.method ?? '', url: req.url ?? '' });
    const uploadId = /[?&]uploadId=([^&]+)/.exec(req.url ?? '')?.[1];
    if (uploadId && handle.goneUploads.has(decodeURIComponent(uploadId)) && req.method !== 'DELETE') {
      req.resume();
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.</Message></Error>',
      );
      return;
    }
    if (handle.corruptParts > 0 && req.method === 'PUT' && /[?&]partNumber=/.test(req.url ?? '')) {
      handle.corruptParts--;
      let flipped = false;
      const flip = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          if (!flipped && chunk.length > 0) {
            flipped = true;
            chunk[0] = (chunk[0] ?? 0) ^ 0xff;
          }
          cb(null, chunk);
        },
      });
      // s3rver reads the request as a stream (ctx.req): hand it the altered one.
      const altered = Object.assign(req.pipe(flip), {
        headers: req.headers,
        method: req.method,
        url: req.url,
        httpVersion: req.httpVersion,
        socket: req.socket,
        connection: req.socket,
      });
      serve(altered as unknown as IncomingMessage, res);
      return;
    }
    serve(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const handle: S3ServerHandle = {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requests,
    partHeaders,
    partsReceived: () =>
      requests
        .filter((r) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url))
        .map((r) => Number(/[?&]partNumber=(\d+)/.exec(r.url)![1])),
    corruptParts: 0,
    goneUploads: new Set(),
    onRequest: undefined,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      app.logger?.close?.();
      await rm(directory, { recursive: true, force: true });
    },
  };
  return handle;
}
