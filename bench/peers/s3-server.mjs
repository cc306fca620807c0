// s3rver 3.7 (a real S3 protocol server: SigV4, multipart uploads) on 127.0.0.1:0 in its own
// process, so its CPU never shares the bench's event loop. Its store: argv[2] (a directory the
// bench creates and removes); one bucket, argv[3]. Credentials: S3RVER / S3RVER.
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
const app = new S3rver({
  silent: true,
  address: '127.0.0.1',
  port: 0,
  directory,
  vhostBuckets: false,
  configureBuckets: [{ name: bucket }],
});
const { port } = await app.run();
console.log(`s3rver listening on http://127.0.0.1:${port}`);
process.on('SIGTERM', async () => {
  await app.close();
  process.exit(0);
});
