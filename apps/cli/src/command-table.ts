// The CLI's command table: the single description of every command, option and example. --help,
// the shell completions and docs/cli.md are all rendered from it. It must stay free of imports (but
// the import-free exit-codes.ts) so `dds-backup --help` starts as fast as node itself.

export interface OptionSpec {
  name: string;
  type: 'string' | 'boolean';
  short?: string;
  value?: string;
  description: string;
  multiple?: boolean;
  choices?: readonly string[];
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  description?: string;
  options: readonly OptionSpec[];
  examples: readonly string[];
  /** Sub-actions, for `config`. */
  actions?: readonly string[];
  /** Longer reference (Markdown) rendered into docs/cli.md after the help text, not into --help. */
  reference?: string;
}

/** --type and --since: the same backup filter for `backups` and `mirror` (one spec, one help text). */
const BACKUP_FILTER_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'type',
    type: 'string',
    value: 'TYPE',
    description: 'Backup type (default: full backups, i.e. auto and manual)',
    choices: ['auto', 'manual', 'incremental'],
  },
  {
    name: 'since',
    type: 'string',
    value: 'TIME',
    description: 'Only backups begun since TIME (RFC 3339 or yyyy-mm-dd, UTC)',
  },
];

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'region',
    type: 'string',
    value: 'ID',
    description: 'Region, e.g. cn-north-4 (env DDS_BACKUP_REGION; see `dds-backup regions`)',
  },
  {
    name: 'endpoint',
    type: 'string',
    value: 'URL',
    description:
      "DDS endpoint URL instead of the region's, e.g. the mock http://127.0.0.1:4010 (env DDS_BACKUP_ENDPOINT)",
  },
  {
    name: 'project-id',
    type: 'string',
    value: 'ID',
    description: 'Project ID (env HUAWEICLOUD_SDK_PROJECT_ID; looked up in IAM when absent)',
  },
  {
    name: 'profile',
    type: 'string',
    value: 'NAME',
    description: 'Profile of the config file to use (env DDS_BACKUP_PROFILE; default "default")',
  },
  {
    name: 'token-file',
    type: 'string',
    value: 'FILE',
    description: 'Read an IAM token from FILE (tokens are never taken as a flag value)',
  },
  { name: 'token-stdin', type: 'boolean', description: 'Read an IAM token from standard input' },
  {
    name: 'proxy',
    type: 'string',
    value: 'URL',
    description:
      'HTTP proxy for every request, http://[user:password@]host:port (https:// through CONNECT); overrides HTTPS_PROXY/HTTP_PROXY and the profile, NO_PROXY still applies; "" = no proxy',
  },
  {
    name: 'ca-file',
    type: 'string',
    value: 'FILE',
    description:
      'Also trust the CA certificates (PEM) in FILE, e.g. a corporate TLS-inspecting proxy or `dds-backup-mock --tls`; verification is always on',
  },
  { name: 'timeout', type: 'string', value: 'SECONDS', description: 'Timeout of one API attempt (default 30)' },
  { name: 'retries', type: 'string', value: 'N', description: 'Retries after a failed attempt (default 3)' },
  {
    name: 'language',
    type: 'string',
    value: 'LANG',
    description: 'Language of API error messages',
    choices: ['en-us', 'zh-cn'],
  },
  {
    name: 'verbose',
    type: 'boolean',
    short: 'v',
    description:
      'Log every request and response (API calls, the IAM token call and object GETs; secrets redacted) and show stack traces',
  },
  { name: 'quiet', type: 'boolean', short: 'q', description: 'Print only errors' },
  { name: 'no-color', type: 'boolean', description: 'No colours (also NO_COLOR=1)' },
  { name: 'help', type: 'boolean', short: 'h', description: 'Show help' },
  { name: 'version', type: 'boolean', description: 'Show the version' },
];

const ids: readonly OptionSpec[] = [
  { name: 'instance-id', type: 'string', value: 'ID', description: 'DDS instance ID (required)' },
  { name: 'backup-id', type: 'string', value: 'ID', description: 'Backup ID (required)' },
];

/** The flags of an S3 destination (download, mirror, verify with --to s3://...). */
const S3_OPTIONS: readonly OptionSpec[] = [
  {
    name: 's3-endpoint',
    type: 'string',
    value: 'URL',
    description: 'With --to: the S3 server, e.g. https://minio.internal:9000 (default: AWS S3 for --s3-region)',
  },
  {
    name: 's3-region',
    type: 'string',
    value: 'REGION',
    description:
      "With --to: the bucket's region (default AWS_REGION, the profile's region, else us-east-1; MinIO and Ceph ignore it)",
  },
  {
    name: 's3-part-size',
    type: 'string',
    value: 'MIB',
    description:
      "With --to: preferred part size in MiB (default 16, at least 5: S3's minimum); raised where a file would need more than 10,000 parts. Memory is about part size x --segments x --concurrency",
  },
  {
    name: 's3-path-style',
    type: 'boolean',
    description:
      'With --to: path-style URLs (ENDPOINT/BUCKET/KEY) instead of BUCKET.ENDPOINT, as MinIO and Ceph RGW usually need',
  },
];

// The mirror's reference beyond --help (rendered into docs/cli.md only): its events, its
// manifest, and how to run it every night.
const MIRROR_REFERENCE = `### Layout and manifest

\`\`\`text
DIR/
  .dds-backup-mirror.json          the mirror's record (written atomically after every change)
  .dds-backup-lock                 while a mirror runs (pid@host; a dead owner's lock is taken over)
  INSTANCE_ID/BACKUP_ID/           one folder per backup: its files and the download engine's manifest
\`\`\`

\`DIR/.dds-backup-mirror.json\` (\`format: "dds-backup-mirror"\`, \`version: 1\`):
\`instances.{instance_id}.backups.{backup_id}\` is \`{instanceId, backupId, dir, state, name, type,
beginTime, endTime, sizeKB, files, bytes, verifiedAt, error, updatedAt}\`, where \`state\` is
\`downloading\` (started; a killed run leaves this and the next run resumes it), \`verified\`,
\`incomplete\` (a rerun resumes it) or \`failed\` (the next run tries again), and each of \`files\` is
\`{name, bytes, mtimeMs, sha256, md5, checksum}\`: the SHA-256 computed while downloading, the MD5
when the server's ETag is one, and \`checksum\` \`md5\` or \`size-only\` (the server gives no checksum
for that file: its size was checked and its SHA-256 recorded). \`lastRun\` is the last run's
summary: \`{startedAt, finishedAt, dryRun, new, skipped, excluded, failed, incomplete, pending,
removed, missingInstances}\`. A manifest that cannot be read stops the mirror (exit 1) with its path: move it
aside and run again (every backup is then checked through its own download manifest, and
retention removes nothing until copies are verified anew). Only backups whose record says
\`verified\` are ever removed, and only the files the record lists (plus the engine's manifest); a
folder holding anything else is left in place.

### NDJSON events (\`--json\`)

One JSON object per line on stdout. Every backup-level event has \`instanceId\`, \`backupId\`,
\`dir\` (relative to DIR) and \`endTime\` (ISO 8601 UTC).

\`\`\`text
{"type":"instance-missing","instanceId"}                       a --instance-id the project does not have
{"type":"plan","download":N,"sizeKB":N,"skipped":N,"pending":N}  before the downloads start
{"type":"backup-skipped",...,"reason":"verified"|"not-completed"|"retention","status"}
{"type":"backup-planned",...,"sizeKB"}                          --dry-run: would be downloaded
{"type":"backup-start",...,"sizeKB","resumed"}
{"type":"backup-done",...,"files","bytes","transferredBytes","md5Files","sizeOnlyFiles","durationMs"}
{"type":"backup-failed",...,"resumable","error":{"name","kind","message","status"?,"code"?}}
{"type":"removed",...,"dryRun","keptFolder"}
{"type":"summary","dryRun","new","skipped","excluded","failed","incomplete","pending","removed","missingInstances","durationMs","exitCode"}
\`\`\`

\`summary\` comes last and carries the run's exit code; a run that stops as a whole (bad input,
no credentials, the listing failed, DIR busy, Ctrl-C) ends with \`{"type":"error","exitCode",...}\`
instead, as \`download --json\` does. \`resumable\` backups are left \`incomplete\`
(exit 5 unless worse): the next run resumes them.

Between them come the download engine's events of each backup (\`link\`, \`file-start\`,
\`progress\`, \`refresh\`, \`retry\`, \`file-done\`, \`done\`, as for \`download --json\`), each with
\`instanceId\` and \`backupId\` added.

### Every night, from cron or a systemd timer

The mirror is safe to start unattended: one run per DIR at a time (a second one exits 1 at once,
naming the running one), a killed run is resumed by the next, and the exit code says what needs
attention. Credentials come from the environment or the profile file (\`dds-backup config\`), never
from the command line.

\`\`\`cron
# /etc/cron.d/dds-backup: every night at 03:30, keep a week of copies (and at least 7)
30 3 * * * backup  dds-backup mirror --dir /srv/backups/dds --keep 7 --keep-days 7 >> /var/log/dds-backup-mirror.log 2>&1
\`\`\`

\`\`\`ini
# /etc/systemd/system/dds-backup-mirror.service
[Unit]
Description=Mirror Huawei Cloud DDS backups
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
User=backup
# HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_PROJECT_ID, DDS_BACKUP_REGION
EnvironmentFile=/etc/dds-backup/credentials.env
ExecStart=/usr/bin/dds-backup mirror --dir /srv/backups/dds --keep 7 --keep-days 7
# Exit 5 means "incomplete but resumable": the next run picks it up.
SuccessExitStatus=5
Nice=10
IOSchedulingClass=idle
\`\`\`

\`\`\`ini
# /etc/systemd/system/dds-backup-mirror.timer
[Unit]
Description=Mirror DDS backups every night

[Timer]
OnCalendar=*-*-* 03:30:00
RandomizedDelaySec=15min
Persistent=true

[Install]
WantedBy=timers.target
\`\`\`

Enable it with \`systemctl enable --now dds-backup-mirror.timer\`; \`journalctl -u dds-backup-mirror\`
shows each run.`;

/** docs/cli.md: `download --to s3://...` in full (too long for --help). */
const S3_REFERENCE = `### Streaming into S3 (\`--to s3://BUCKET/PREFIX\`)

Nothing is written to local disk: each file of the backup is fetched from its download link and
streamed into the bucket with the official AWS SDK for JavaScript v3 (\`@aws-sdk/client-s3\`).

- **Keys**: \`PREFIX/INSTANCE_ID/BACKUP_ID/FILE\`. Unlike \`--dir\` (files directly in DIR), a
  bucket is shared, so keys carry the instance and the backup.
- **Server**: \`--s3-endpoint URL\` (MinIO, Ceph RGW, any S3-compatible server; default AWS S3),
  \`--s3-region\` (default \`AWS_REGION\`, the profile's region, else \`us-east-1\`),
  \`--s3-path-style\` (\`ENDPOINT/BUCKET/KEY\` instead of \`BUCKET.ENDPOINT\`: MinIO and Ceph
  usually need it).
- **Credentials**: the AWS SDK's default chain: \`AWS_ACCESS_KEY_ID\` + \`AWS_SECRET_ACCESS_KEY\`
  (+ \`AWS_SESSION_TOKEN\` for temporary keys), else \`AWS_PROFILE\` (default \`default\`) in
  \`~/.aws/credentials\` / \`~/.aws/config\` (\`AWS_SHARED_CREDENTIALS_FILE\`, \`AWS_CONFIG_FILE\`),
  then SSO, container and instance roles. Keys are never printed. Refused credentials (HTTP 403,
  \`InvalidAccessKeyId\`, \`SignatureDoesNotMatch\`, \`AccessDenied\`) exit 3; a missing bucket
  exits 1 before any transfer (\`mirror --to\` checks both with one HeadBucket before it looks at
  any backup).
- **Parts**: each file is one multipart upload whose parts are ranges fetched from the link (with
  the same retries, resume within the run, stall and speed floor, and link refresh on expiry as
  a download to disk). Part size: \`max(16 MiB, ceil(size / 10,000) rounded up to a MiB)\`, so
  every file fits S3's limits (at least 5 MiB, at most 10,000 parts): 16 MiB up to 156 GiB,
  105 MiB for 1 TiB, 525 MiB for S3's 5 TiB maximum object.
- **Parallelism and memory**: up to \`--segments\` parts of a file at once, \`--concurrency\` files
  at once; GETs and part uploads share one connection budget (max of the two). A part is held in
  memory until it is uploaded (Content-MD5 needs the whole part first), so memory is bounded by
  part size x \`--segments\` x \`--concurrency\`: 256 MiB with the defaults for files up to 156 GiB.
  Part buffers are allocated once per run and reused. Measured for one file (defaults, s3rver
  on 127.0.0.1, peak RSS of the whole process): 152 MB at 64 MiB, 163-175 MB at 1 GiB, 188 MB at
  4 GiB; of that, the parts' memory (\`arrayBuffers\`) stays at 69-81 MB, and what still grows is
  V8's young generation sizing itself (with \`NODE_OPTIONS=--max-semi-space-size=4\`: 152 MB at
  64 MiB, 162 MB at 4 GiB).
- **Checks**: \`Content-MD5\` on every part (the SDK's default trailing checksums are off:
  \`requestChecksumCalculation: WHEN_REQUIRED\`, which many S3-compatible servers need), and the
  part's ETag must be the MD5 that was streamed. The file's SHA-256 and MD5 are computed in order
  while streaming; the MD5 is checked against a plain-MD5 source ETag as on disk. After
  completion the object's size and ETag are read back: the multipart ETag
  \`"MD5(MD5(part 1) ... MD5(part N))-N"\` (AWS, MinIO, Ceph) or the MD5 of the content (servers
  that store the object whole, such as s3rver). A failed check deletes the new object and nothing
  else (exit 6). A part check or MD5 failure aborts the multipart upload before completion: no
  object appears.
- **Metadata** (\`x-amz-meta-*\`, fixed when the upload starts): \`dds-backup-instance-id\`,
  \`dds-backup-backup-id\`, \`dds-backup-file\` (URI-encoded), \`dds-backup-size-kb\` (the API's KB
  size), \`dds-backup-size\` (bytes), \`dds-backup-part-size\`, \`dds-backup-source-etag\`.
  **Tags**, set once the object is verified (S3 metadata cannot change after the upload starts,
  and the SHA-256 is only known at its end): \`dds-backup-sha256\`, \`dds-backup-md5\`,
  \`dds-backup-verified\` (\`md5\` or \`size-only\`).
- **Re-runs**: an object this tool wrote and verified for the same file (metadata and tags match)
  is skipped; any other object under the key is refused (exit 1) unless \`--force\`, so a good
  object is never replaced; one this tool wrote for the same file but never tagged verified (a
  run stopped between completing and tagging) is uploaded again. \`--require-checksum\`: a file
  the server gives no checksum for (multipart, weak or missing ETag) fails (exit 6) once its
  first part is fetched, before its upload starts, and an object already there tagged
  \`size-only\` is refused instead of skipped. \`--recheck\` is refused with \`--to\` (exit 2):
  objects already verified are skipped from what S3 reports; \`verify --to ... --recheck\` reads
  them back and hashes them.
- **Resume across runs**: the upload id and the parts S3 confirmed are kept in
  \`$XDG_STATE_HOME/dds-backup/s3/BUCKET-HASH.json\` (default \`~/.local/state/...\`; HASH of the
  endpoint and bucket), rewritten atomically after every part. A run stopped by Ctrl-C, SIGTERM,
  kill -9 or a failure a re-run can cure (exit 5) keeps its multipart uploads; the next run
  continues the same upload and sends none of the confirmed parts again (their bytes are fetched
  from the link once more, only to feed the file's SHA-256, which cannot be saved halfway; a
  part whose MD5 changed fails as a changed object). An upload recorded for a file that is now
  another object (size or source ETag changed) is aborted and started over; any other failure
  aborts the upload and forgets it, so no upload is left to bill storage. Only uploads recorded
  in that state file are ever aborted (s3rver and some servers lack ListMultipartUploads, and an
  upload started by another tool is not ours): set a bucket lifecycle rule
  (AbortIncompleteMultipartUpload) for the rest. An upload recorded but gone from the server
  (NoSuchUpload) is started again from the first part.
- **One run per bucket at a time**: \`download --to\` and \`mirror --to\` into the same endpoint
  and bucket share that state file (whatever the prefix), so each run holds its lock,
  \`$XDG_STATE_HOME/dds-backup/s3/BUCKET-HASH.lock/.dds-backup-lock\` (\`pid@host\`; a dead
  process's lock is taken over); a second run at the same time exits 1 saying which process
  holds it. Runs into different buckets, or with different \`XDG_STATE_HOME\`, do not wait for
  each other.
- **Proxy and CA**: S3 requests go through the same proxy as every other request (\`--proxy\`,
  \`HTTPS_PROXY\`/\`HTTP_PROXY\`, \`NO_PROXY\` matched against the S3 endpoint's host and port)
  and trust the same extra CAs (\`--ca-file\`). Through a proxy each S3 connection is a CONNECT
  tunnel (TLS inside it for https:), for http: endpoints too (the proxy must allow CONNECT to
  that port). An untrusted S3 certificate exits 1 naming --ca-file.
- **Memory bound**: part size x parts in flight per file (\`--segments\`) x files in flight
  (\`--concurrency\`; for \`mirror\` also x \`--parallel-backups\`).

### Mirroring into S3 (\`mirror --to s3://BUCKET/PREFIX\`)

The same mirror as \`--dir\` (listing, retention, exit codes, events), with each backup streamed
as above into \`PREFIX/INSTANCE_ID/BACKUP_ID/FILE\`. The mirror's lock and manifest are local:
\`$XDG_STATE_HOME/dds-backup/s3/mirror-BUCKET-HASH/\` (\`.dds-backup-lock\`,
\`.dds-backup-mirror.json\`; HASH of endpoint, bucket and prefix: each prefix is its own mirror).
Each file's record adds its \`key\` and the \`etag\` read back (\`mtimeMs\` is 0). A verified
backup is skipped, with no API call, while every object is still the one verified: two requests
per file (HEAD: size, ETag, our metadata; the SHA-256 tag). Retention deletes exactly the
recorded objects whose metadata says dds-backup wrote them for that backup and whose ETag is
the recorded one: any other key under the prefix, or an object replaced since, stays. An object
under a key of ours that someone else wrote makes that backup fail (exit 1), never overwritten.
\`--require-checksum\` works as for \`download --to\`; \`--recheck\` is refused (exit 2): use
\`verify --to s3://BUCKET/PREFIX --recheck\`. The mirror holds the bucket's state lock (above)
for its whole run.

### Verifying a bucket (\`verify --to s3://BUCKET/PREFIX\`)

Compares against the mirror manifest of that bucket and prefix (its verified backups;
\`--instance-id\`/\`--backup-id\` narrow it), or, with no mirror there, for one backup
(\`--instance-id\` and \`--backup-id\` required, else exit 2) against the metadata and tags each
object was written with. By default it checks what S3 reports: presence, size, ETag, our
metadata and the SHA-256 tag. That proves the object is the one verified, not that its bytes
are still intact on the server; each ok line says "bytes not read". \`--recheck\` reads every
object back and hashes it (costs its size in traffic). Exit 0 all ok, 6 any mismatch (missing,
replaced, size, ETag, SHA-256, never tagged verified), 3 refused S3 keys, 1 a missing bucket.
No DDS credentials are needed; the network settings are those of \`download --to\`:
\`--proxy\`, else \`HTTPS_PROXY\`/\`HTTP_PROXY\` (with \`NO_PROXY\`), else the profile's \`proxy\`;
\`--ca-file\`, else the profile's \`ca_file\`.
`;

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'links',
    summary: 'Print the files of a backup and their download links',
    usage: 'dds-backup links --instance-id ID --backup-id ID [--output table|json|yaml|tsv]',
    description:
      "Calls ShowBackupDownloadLink once. `--output json` prints exactly the API's response body (links included: they are secrets until they expire). The default is a table on a terminal and json otherwise.",
    options: [
      ...ids,
      {
        name: 'output',
        short: 'o',
        type: 'string',
        value: 'FORMAT',
        description: 'Output format',
        choices: ['table', 'json', 'yaml', 'tsv'],
      },
    ],
    examples: [
      'dds-backup links --instance-id 9136fd2a9fcd405ea4674276ce36dae8in02 --backup-id 43e4feaab48f11e89039fa163ebaa7e4br02',
      "dds-backup links --instance-id I --backup-id B -o json | jq -r '.files[].name'",
    ],
  },
  {
    name: 'download',
    summary: 'Download every file of a backup, verified and resumable',
    usage:
      'dds-backup download --instance-id ID (--backup-id ID | --latest) [--dir DIR | --to s3://BUCKET/PREFIX [--s3-endpoint URL] [--s3-region REGION] [--s3-path-style] [--s3-part-size MIB]] [--concurrency N] [--segments N] [--speed-limit BYTES] [--speed-time SECONDS] [--stall-timeout SECONDS] [--force] [--no-verify] [--require-checksum] [--recheck] [--json]',
    description:
      'Downloads into DIR (default ./BACKUP_ID), refreshing links that expire, resuming what an earlier run left, and verifying sizes and MD5. Files appear under their final names only when complete. Re-run the same command to resume. ' +
      'Checksums: a file whose ETag is a plain MD5 is "MD5 verified"; for a multipart ("...-N"), weak (W/) or missing ETag the output says "size only: the server gives no checksum for this file" (only its size could be checked against the server). Every file\'s SHA-256 is taken while it downloads and kept in the manifest, so `dds-backup verify` detects any later change. ' +
      'Re-running over a complete backup says "already complete (size checked; run `verify` for a full check)": size and mtime are compared with the manifest; --recheck re-hashes instead and downloads again a file that changed. ' +
      'Bounded time: a transfer under --speed-limit for --speed-time, or silent for --stall-timeout, is aborted and retried; a Retry-After up to 60 s is waited, a longer one stops at once (exit 5) saying how long the server asked to wait. ' +
      'Caps: API answers over 16 MiB are refused unread, and a download link that is not http(s) is refused before any connection (exit 1). ' +
      'Ctrl-C (exit 130) and SIGTERM, as systemd and docker stop send it (exit 143), stop cleanly: state saved, lock released; the same command resumes.',
    options: [
      ...ids,
      {
        name: 'latest',
        type: 'boolean',
        description:
          'Instead of --backup-id: the newest COMPLETED full backup of --instance-id, by end time (exit 4 if it has none)',
      },
      { name: 'dir', short: 'd', type: 'string', value: 'DIR', description: 'Target directory (default ./BACKUP_ID)' },
      {
        name: 'to',
        type: 'string',
        value: 's3://BUCKET/PREFIX',
        description:
          'Instead of --dir: stream the files straight into an S3-compatible bucket (AWS S3, MinIO, Ceph RGW), as PREFIX/INSTANCE_ID/BACKUP_ID/FILE, one verified multipart upload per file; credentials from the AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY[/AWS_SESSION_TOKEN], AWS_PROFILE, ~/.aws). Resumable across runs (state under $XDG_STATE_HOME/dds-backup/). Refused credentials exit 3, a missing bucket 1. See "Streaming into S3" in docs/cli.md',
      },
      ...S3_OPTIONS,
      { name: 'concurrency', type: 'string', value: 'N', description: 'Files downloaded at once (default 4)' },
      {
        name: 'segments',
        type: 'string',
        value: 'N',
        description: 'Parallel ranged requests per large file (default 4)',
      },
      {
        name: 'speed-limit',
        type: 'string',
        value: 'BYTES',
        description:
          'Speed floor in bytes/s (default 1024; 0 = none): a transfer slower than this for --speed-time is aborted and retried from where it got. Attempts cut off this way count against --retries, so a 1 byte/s drip is given up on (exit 5) within about 2 minutes with the defaults',
      },
      {
        name: 'speed-time',
        type: 'string',
        value: 'SECONDS',
        description: 'How long a transfer may stay under --speed-limit (default 30)',
      },
      {
        name: 'stall-timeout',
        type: 'string',
        value: 'SECONDS',
        description: 'A request that receives no byte for this long is aborted and retried (default 30)',
      },
      { name: 'force', type: 'boolean', description: 'Overwrite files in DIR that this tool did not download' },
      {
        name: 'no-verify',
        type: 'boolean',
        description: 'Skip the MD5 and listed-KB-size checks (byte counts against Content-Length are still checked)',
      },
      {
        name: 'require-checksum',
        type: 'boolean',
        description:
          'Fail (exit 6) on a file the server gives no checksum for (multipart, weak or missing ETag), at its first response (with --to: after its first part, before its upload starts)',
      },
      {
        name: 'recheck',
        type: 'boolean',
        description:
          'Re-hash files already complete and compare with the recorded SHA-256 (a changed file is downloaded again) instead of trusting size and mtime. Not with --to (exit 2): use `verify --to ... --recheck`',
      },
      { name: 'json', type: 'boolean', description: 'Write NDJSON events to stdout, one object per line' },
    ],
    examples: [
      'dds-backup download --instance-id I --backup-id B --dir /backups/B',
      'dds-backup download --instance-id I --backup-id B --json > events.ndjson',
      'dds-backup download --instance-id I --latest --dir /backups/latest',
      'dds-backup download --instance-id I --backup-id B --to s3://backups/dds --s3-endpoint https://minio.internal:9000 --s3-path-style',
      'dds-backup --endpoint http://127.0.0.1:4010 download --instance-id I --backup-id B',
    ],
    reference: S3_REFERENCE,
  },
  {
    name: 'backups',
    summary: 'List the backups of the project or of one instance (every page)',
    usage:
      'dds-backup backups [--instance-id ID] [--type auto|manual|incremental] [--since TIME] [--status STATUS ...] [--output table|json|yaml|tsv]',
    description:
      "Calls ListBackups once per page of 100 and prints every backup. Without --type: full backups (automated and manual); incremental backups need --instance-id. --since takes RFC 3339 (2026-01-31T22:00:00Z) or a UTC date (2026-01-31) and lists backups that began since then (the API's end_time is now). --status filters on this side (the API has none), case-insensitively; repeat it or separate values with commas. `-o json` and `-o yaml` print `{backups, total_count}` in the API's shape with every page merged (total_count: the backups printed). tsv columns: id, instance_id, type, status, begin_time, end_time, size_kb, name. The default is a table on a terminal and json otherwise.",
    options: [
      { name: 'instance-id', type: 'string', value: 'ID', description: 'Only the backups of this instance' },
      ...BACKUP_FILTER_OPTIONS,
      {
        name: 'status',
        type: 'string',
        value: 'STATUS',
        multiple: true,
        description: 'Only backups with this status: COMPLETED, BUILDING, FAILED, DISABLED, DELETING (repeatable)',
      },
      {
        name: 'output',
        short: 'o',
        type: 'string',
        value: 'FORMAT',
        description: 'Output format',
        choices: ['table', 'json', 'yaml', 'tsv'],
      },
    ],
    examples: [
      'dds-backup backups --instance-id 9136fd2a9fcd405ea4674276ce36dae8in02',
      'dds-backup backups --since 2026-01-01 --status COMPLETED -o tsv | cut -f1,2',
      'dds-backup backups -o json | jq -r \'.backups[] | select(.status == "COMPLETED") | .id\'',
    ],
  },
  {
    name: 'instances',
    summary: 'List the DDS instances of the project (every page)',
    usage: 'dds-backup instances [--name NAME] [--output table|json|yaml|tsv]',
    description:
      "Calls ListInstances once per page of 100. `-o json` and `-o yaml` print `{instances, total_count}` in the API's shape with every page merged. tsv columns: id, name, mode, status, datastore version, backup window, keep days. The default is a table on a terminal and json otherwise.",
    options: [
      {
        name: 'name',
        type: 'string',
        value: 'NAME',
        description: 'Only instances with this name (a leading * matches names containing the rest)',
      },
      {
        name: 'output',
        short: 'o',
        type: 'string',
        value: 'FORMAT',
        description: 'Output format',
        choices: ['table', 'json', 'yaml', 'tsv'],
      },
    ],
    examples: ['dds-backup instances', "dds-backup instances --name '*prod' -o tsv"],
  },
  {
    name: 'mirror',
    summary: 'Keep a verified copy of every backup of some instances, with retention',
    usage:
      'dds-backup mirror (--dir DIR | --to s3://BUCKET/PREFIX [--s3-endpoint URL] [--s3-region REGION] [--s3-path-style] [--s3-part-size MIB]) [--instance-id ID ...] [--keep N] [--keep-days D] [--dry-run] [--type TYPE] [--since TIME] [--concurrency N] [--segments N] [--parallel-backups N] [--require-checksum] [--recheck] [--json]',
    description:
      "Copies every COMPLETED backup of the instances (no --instance-id: of the whole project) into DIR/INSTANCE_ID/BACKUP_ID/, with the download engine's resume, link refresh and verification, several backups at once within one connection budget (max of --concurrency and --segments). A backup an earlier run verified is skipped, without any API call, while its files keep their size and mtime (--recheck re-hashes them instead; `verify --dir DIR/I/B` is the full check). A backup still BUILDING is left for the next run. Retention (only with --keep or --keep-days) deletes only folders the mirror itself completed and verified: --keep N keeps the N newest verified copies per instance, --keep-days D those whose backup ended within D days; with both, a copy is removed only when both rules would remove it, and a listed backup those rules would remove at once is not downloaded. A failed backup never counts, so it never pushes a good copy out, and a backup the cloud expired stays on disk. Going on after a failed backup, the exit code is 3 if authentication failed, else 6 if a verification failed, else 1 for any other failure, else 4 if a named instance does not exist, else 5 if a backup is incomplete but resumable, else 0. One mirror per DIR at a time (its lock).",
    options: [
      { name: 'dir', short: 'd', type: 'string', value: 'DIR', description: 'Mirror directory (required)' },
      {
        name: 'instance-id',
        type: 'string',
        value: 'ID',
        multiple: true,
        description: 'Mirror this instance (repeatable; default: every instance of the project)',
      },
      {
        name: 'keep',
        type: 'string',
        value: 'N',
        description: 'Keep the N newest verified copies per instance (N >= 1)',
      },
      {
        name: 'keep-days',
        type: 'string',
        value: 'D',
        description: 'Keep the verified copies whose backup ended within D days (D >= 1)',
      },
      {
        name: 'dry-run',
        type: 'boolean',
        description: 'Print what would be downloaded and removed (assuming the downloads succeed); change nothing',
      },
      ...BACKUP_FILTER_OPTIONS,
      {
        name: 'concurrency',
        type: 'string',
        value: 'N',
        description: 'Files downloaded at once per backup (default 4)',
      },
      {
        name: 'segments',
        type: 'string',
        value: 'N',
        description: 'Parallel ranged requests per large file (default 4)',
      },
      { name: 'parallel-backups', type: 'string', value: 'N', description: 'Backups downloaded at once (default 2)' },
      {
        name: 'require-checksum',
        type: 'boolean',
        description: 'A file the server gives no checksum for (multipart ETag) fails verification (exit 6)',
      },
      {
        name: 'recheck',
        type: 'boolean',
        description:
          'Re-hash copies already verified instead of trusting size and mtime. Not with --to (exit 2): use `verify --to ... --recheck`',
      },
      { name: 'json', type: 'boolean', description: 'Write NDJSON events to stdout, one object per line' },
      {
        name: 'to',
        type: 'string',
        value: 's3://BUCKET/PREFIX',
        description:
          'Instead of --dir: mirror into an S3-compatible bucket as PREFIX/INSTANCE_ID/BACKUP_ID/FILE (as `download --to`); the lock and manifest live under $XDG_STATE_HOME/dds-backup/s3/mirror-BUCKET-HASH/. See "Mirroring into S3" in docs/cli.md',
      },
      ...S3_OPTIONS,
    ],
    examples: [
      'dds-backup mirror --dir /backups/dds --keep 7',
      'dds-backup mirror --dir /backups/dds --instance-id I1 --instance-id I2 --keep 3 --keep-days 14',
      'dds-backup mirror --dir /backups/dds --keep 7 --dry-run',
      'dds-backup mirror --dir /backups/dds --json | jq -c \'select(.type == "backup-failed")\'',
      'dds-backup mirror --to s3://backups/dds --s3-endpoint https://minio.internal:9000 --s3-path-style --keep 7',
    ],
    reference: MIRROR_REFERENCE,
  },
  {
    name: 'verify',
    summary: 'Re-check a downloaded backup against its manifest',
    usage:
      'dds-backup verify (--dir DIR [--require-checksum] | --to s3://BUCKET/PREFIX [--s3-endpoint URL] [--s3-region REGION] [--s3-path-style] [--instance-id ID] [--backup-id ID] [--recheck])',
    description:
      'Checks every file the manifest lists for presence, size and the SHA-256 recorded while it downloaded (and its MD5 where the server gave one). A line says "size only: the server gives no checksum for this file" where the server gave no MD5: its SHA-256 still shows any change since the download. Needs no credentials.',
    options: [
      { name: 'dir', short: 'd', type: 'string', value: 'DIR', description: 'Directory of a download (required)' },
      {
        name: 'require-checksum',
        type: 'boolean',
        description: 'Count a file the server gave no checksum for (size only) as a failure (exit 6)',
      },
      {
        name: 'to',
        type: 'string',
        value: 's3://BUCKET/PREFIX',
        description:
          'Instead of --dir: re-check the objects in a bucket, against the mirror manifest of `mirror --to` (its verified backups), or, with --instance-id and --backup-id and no mirror there, against the metadata and tags each object was written with. Compares size, ETag, metadata and the SHA-256 tag (what S3 reports; the bytes are not read); --recheck reads every object back and hashes it',
      },
      ...S3_OPTIONS.filter((o) => o.name !== 's3-part-size'),
      { name: 'instance-id', type: 'string', value: 'ID', description: 'With --to: only this instance' },
      { name: 'backup-id', type: 'string', value: 'ID', description: 'With --to: only this backup' },
      {
        name: 'recheck',
        type: 'boolean',
        description: "With --to: read every object back and compare its SHA-256 (costs the objects' size in traffic)",
      },
    ],
    examples: [
      'dds-backup verify --dir /backups/43e4feaab48f11e89039fa163ebaa7e4br02',
      'dds-backup verify --to s3://backups/dds --s3-endpoint https://minio.internal:9000 --s3-path-style --recheck',
    ],
  },
  {
    name: 'regions',
    summary: 'List the regions and their endpoints (from the API spec)',
    usage: 'dds-backup regions [--output table|json|tsv]',
    options: [
      {
        name: 'output',
        short: 'o',
        type: 'string',
        value: 'FORMAT',
        description: 'Output format',
        choices: ['table', 'json', 'tsv'],
      },
    ],
    examples: ['dds-backup regions', 'dds-backup regions -o json'],
  },
  {
    name: 'config',
    summary: 'Read and write the profile file (XDG config dir, mode 0600)',
    usage: 'dds-backup config set KEY VALUE | config set KEY - | config get KEY | config list | config path',
    description:
      'Keys: region, endpoint, project_id, ak, sk, security_token, token, username, domain, password, language, proxy (used when neither --proxy nor a proxy variable is set; its password is masked), ca_file (a PEM file of extra CAs, used when --ca-file is not given). Secret keys (sk, security_token, token, password) are read from standard input with `-`, never from the command line.',
    actions: ['set', 'get', 'list', 'path'],
    options: [],
    examples: [
      'dds-backup config set region cn-north-4',
      'dds-backup config set ak AKEXAMPLE && printf %s "$SK" | dds-backup config set sk -',
      'dds-backup --profile staging config list',
    ],
  },
  {
    name: 'completion',
    summary: 'Print a shell completion script (bash, zsh or fish)',
    usage: 'dds-backup completion bash|zsh|fish',
    options: [],
    actions: ['bash', 'zsh', 'fish'],
    examples: [
      'dds-backup completion bash > /etc/bash_completion.d/dds-backup',
      'dds-backup completion fish > ~/.config/fish/completions/dds-backup.fish',
    ],
  },
];

// The exit codes live with the rule for each error kind (exit-codes.ts, itself free of imports).
export { EXIT_CODES } from './exit-codes.js';

export const ENVIRONMENT: ReadonlyArray<readonly [string, string]> = [
  ['HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK', 'AK/SK for request signing'],
  ['HUAWEICLOUD_SDK_SECURITY_TOKEN', 'security token of temporary AK/SK'],
  ['HUAWEICLOUD_SDK_PROJECT_ID', 'project ID'],
  ['DDS_BACKUP_TOKEN', 'an IAM token (used when no AK/SK is set)'],
  ['DDS_BACKUP_REGION, DDS_BACKUP_ENDPOINT', 'region and endpoint'],
  ['DDS_BACKUP_PROFILE', 'profile name'],
  [
    'HTTPS_PROXY, https_proxy',
    "proxy for https:// requests (API, IAM, objects; through CONNECT). The lower-case form wins when both are set; --proxy overrides both, then the profile's proxy applies only when no proxy variable is set",
  ],
  ['HTTP_PROXY, http_proxy', 'proxy for http:// requests (never used for https://); lower case wins'],
  [
    'NO_PROXY, no_proxy',
    'hosts reached directly, comma-separated: `*` (all), `example.com` (it and its subdomains; a leading `.` or `*.` is the same), IP addresses, CIDR blocks (`10.0.0.0/8`), each optionally `:PORT`; applies to --proxy too; lower case wins',
  ],
  ['NODE_EXTRA_CA_CERTS', 'a PEM file of extra trusted CAs (read by Node; --ca-file and the profile add to it)'],
  [
    'AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, AWS_REGION, AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE',
    "S3 credentials and region for --to s3://... (the AWS SDK's default chain; never printed)",
  ],
  ['XDG_CONFIG_HOME', 'where the profile file lives ($XDG_CONFIG_HOME/dds-backup/config.json)'],
  ['XDG_STATE_HOME', 'resume state of uploads to S3 ($XDG_STATE_HOME/dds-backup/s3/; default ~/.local/state)'],
  ['NO_COLOR', 'no colours'],
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
