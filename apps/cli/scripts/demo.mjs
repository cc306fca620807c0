// `npm start`: the main jobs end to end on the embedded mock. Starts the mock on a free port,
// runs `dds-backup download` of its sample multi-file (sharded-cluster) backup into a temp dir
// with progress, then `dds-backup verify`. The mock throttles the download and resets one
// connection, so the progress and a retry are visible. Then `dds-backup mirror --keep 3` of the
// whole default project (its small instances and their daily backups) into a second temp dir,
// run twice: the second run skips every verified copy without asking the API for a link.
// Both land in one temp dir, so one `rm -rf` removes all the demo wrote.
// It ends with the commands to do the same by hand, where the files are, and how to remove them.
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { createMockServer } = await import('@dds-backup/mock-server');
const { main } = await import('../dist/main.js');

const mock = createMockServer();
const url = await mock.listen({ port: 0 });
const d = mock.defaults;
const admin = (path, body) =>
  fetch(`${url}/__mock/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
await admin('faults', [
  { target: 'download', kind: 'throttle', bytes_per_second: 1.5 * 1024 * 1024 },
  { target: 'download', kind: 'reset', after_bytes: 1024 * 1024, times: 1 },
]);

const demoDir = await mkdtemp(join(tmpdir(), 'dds-backup-demo-'));
const dir = join(demoDir, 'backup');
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
// Only the mock's token: real credentials in the environment are not sent to the demo.
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  NO_COLOR: process.env.NO_COLOR,
  DDS_BACKUP_TOKEN: d.token,
};
const context = { stdout: process.stdout, stderr: process.stderr, env, signal: controller.signal };
const global = ['--endpoint', url, '--project-id', d.projectId];

console.log(`dds-backup demo: mock of DDS and OBS at ${url}`);
console.log(
  `$ dds-backup --endpoint ${url} download --instance-id ${d.sharded.instanceId} --backup-id ${d.sharded.backupId} --dir ${dir}\n`,
);
let code = await main(
  [...global, 'download', '--instance-id', d.sharded.instanceId, '--backup-id', d.sharded.backupId, '--dir', dir],
  context,
);
if (code === 0) {
  console.log(`\n$ dds-backup verify --dir ${dir}`);
  code = await main(['verify', '--dir', dir], context);
  console.log(`\nFiles in ${dir}:`);
  for (const name of (await readdir(dir)).sort())
    console.log(`  ${name.padEnd(64)} ${(await stat(join(dir, name))).size} bytes`);
}
if (code === 0) {
  await fetch(`${url}/__mock/faults`, { method: 'DELETE' });
  const mirrorDir = join(demoDir, 'mirror');
  const mirror = [...global, 'mirror', '--dir', mirrorDir, '--keep', '3'];
  console.log(`\n$ dds-backup --endpoint ${url} mirror --dir ${mirrorDir} --keep 3\n`);
  code = await main(mirror, context);
  if (code === 0) {
    console.log(`\n$ dds-backup --endpoint ${url} mirror --dir ${mirrorDir} --keep 3   # again: nothing to do\n`);
    code = await main(mirror, context);
    console.log(`\nFolders in ${mirrorDir} (instance/backup, the three newest of each):`);
    for (const instance of (await readdir(mirrorDir, { withFileTypes: true })).filter((e) => e.isDirectory()))
      for (const backup of (await readdir(join(mirrorDir, instance.name))).sort())
        console.log(`  ${instance.name}/${backup}`);
  }
}
await mock.close();
// What to run next, exactly: the mock's ids derive from its seed, so a `dds-backup-mock` started
// with the defaults has the same ones. The lines are meant to be pasted in order into one shell
// in the clone (the README test runs them so).
const port = 4010;
const here = `http://127.0.0.1:${port}`;
console.log(`
Next steps: the same by hand, pasted into a shell in this clone (README.md, "Try it against the mock", has more):
  export PATH="$PWD/node_modules/.bin:$PATH"
  dds-backup-mock --port ${port} 2> mock.log &
  until curl -sf ${here}/__mock/state -o /dev/null; do sleep 0.2; done
  export DDS_BACKUP_ENDPOINT=${here} DDS_BACKUP_TOKEN=any-token HUAWEICLOUD_SDK_PROJECT_ID=${d.projectId}
  dds-backup download --instance-id ${d.sharded.instanceId} --backup-id ${d.sharded.backupId} --dir ./backup
  dds-backup verify --dir ./backup
  kill $! && rm -rf ./backup mock.log

The demo's files are in ${demoDir} (backup/ and mirror/); remove them with:
  rm -rf ${demoDir}`);
process.exitCode = code;
