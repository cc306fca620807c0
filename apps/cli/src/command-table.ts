// The CLI's command table: the single description of every command, option and example. --help,
// the shell completions and docs/cli.md are all rendered from it. It must stay free of imports so
// `dds-backup --help` starts as fast as node itself.

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
}

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
      'dds-backup download --instance-id ID --backup-id ID [--dir DIR] [--concurrency N] [--segments N] [--speed-limit BYTES] [--speed-time SECONDS] [--stall-timeout SECONDS] [--force] [--no-verify] [--require-checksum] [--recheck] [--json]',
    description:
      'Downloads into DIR (default ./BACKUP_ID), refreshing links that expire, resuming what an earlier run left, and verifying sizes and MD5. Files appear under their final names only when complete. Re-run the same command to resume. ' +
      'Checksums: a file whose ETag is a plain MD5 is "MD5 verified"; for a multipart ("...-N"), weak (W/) or missing ETag the output says "size only: the server gives no checksum for this file" (only its size could be checked against the server). Every file\'s SHA-256 is taken while it downloads and kept in the manifest, so `dds-backup verify` detects any later change. ' +
      'Re-running over a complete backup says "already complete (size checked; run `verify` for a full check)": size and mtime are compared with the manifest; --recheck re-hashes instead and downloads again a file that changed. ' +
      'Bounded time: a transfer under --speed-limit for --speed-time, or silent for --stall-timeout, is aborted and retried; a Retry-After up to 60 s is waited, a longer one stops at once (exit 5) saying how long the server asked to wait. ' +
      'Caps: API answers over 16 MiB are refused unread, and a download link that is not http(s) is refused before any connection (exit 1). ' +
      'Ctrl-C (exit 130) and SIGTERM, as systemd and docker stop send it (exit 143), stop cleanly: state saved, lock released; the same command resumes.',
    options: [
      ...ids,
      { name: 'dir', short: 'd', type: 'string', value: 'DIR', description: 'Target directory (default ./BACKUP_ID)' },
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
          'Fail (exit 6) on a file the server gives no checksum for (multipart, weak or missing ETag), at its first response',
      },
      {
        name: 'recheck',
        type: 'boolean',
        description:
          'Re-hash files already complete and compare with the recorded SHA-256 (a changed file is downloaded again) instead of trusting size and mtime',
      },
      { name: 'json', type: 'boolean', description: 'Write NDJSON events to stdout, one object per line' },
    ],
    examples: [
      'dds-backup download --instance-id I --backup-id B --dir /backups/B',
      'dds-backup download --instance-id I --backup-id B --json > events.ndjson',
      'dds-backup --endpoint http://127.0.0.1:4010 download --instance-id I --backup-id B',
    ],
  },
  {
    name: 'verify',
    summary: 'Re-check a downloaded backup against its manifest',
    usage: 'dds-backup verify --dir DIR [--require-checksum]',
    description:
      'Checks every file the manifest lists for presence, size and the SHA-256 recorded while it downloaded (and its MD5 where the server gave one). A line says "size only: the server gives no checksum for this file" where the server gave no MD5: its SHA-256 still shows any change since the download. Needs no credentials.',
    options: [
      { name: 'dir', short: 'd', type: 'string', value: 'DIR', description: 'Directory of a download (required)' },
      {
        name: 'require-checksum',
        type: 'boolean',
        description: 'Count a file the server gave no checksum for (size only) as a failure (exit 6)',
      },
    ],
    examples: ['dds-backup verify --dir /backups/43e4feaab48f11e89039fa163ebaa7e4br02'],
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
      'Keys: region, endpoint, project_id, ak, sk, security_token, token, username, domain, password, language. Secret keys (sk, security_token, token, password) are read from standard input with `-`, never from the command line.',
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

export const EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [0, 'success'],
  [
    1,
    'failure a re-run cannot fix by itself: refusing to write (unsafe file name, a file in the way, no space, a write error), a link that is not http(s), a TLS or URL error, an API answer that is not what DDS gives, a backup with no files; the message says what to do',
  ],
  [2, 'usage error (a flag or its value)'],
  [3, 'authentication or permission (also: no credentials configured)'],
  [4, 'instance or backup not found'],
  [
    5,
    'incomplete but resumable (network gave up, too slow, a Retry-After longer than the wait cap, 5xx/429): run the same command again',
  ],
  [
    6,
    'verification failed (size, MD5 or SHA-256 mismatch; with --require-checksum: a file the server gives no checksum for)',
  ],
  [130, 'interrupted by Ctrl-C (SIGINT): state saved, lock released, resumable'],
  [143, 'stopped by SIGTERM (systemd, docker stop): state saved, lock released, resumable'],
];

export const ENVIRONMENT: ReadonlyArray<readonly [string, string]> = [
  ['HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK', 'AK/SK for request signing'],
  ['HUAWEICLOUD_SDK_SECURITY_TOKEN', 'security token of temporary AK/SK'],
  ['HUAWEICLOUD_SDK_PROJECT_ID', 'project ID'],
  ['DDS_BACKUP_TOKEN', 'an IAM token (used when no AK/SK is set)'],
  ['DDS_BACKUP_REGION, DDS_BACKUP_ENDPOINT', 'region and endpoint'],
  ['DDS_BACKUP_PROFILE', 'profile name'],
  ['XDG_CONFIG_HOME', 'where the profile file lives ($XDG_CONFIG_HOME/dds-backup/config.json)'],
  ['NO_COLOR', 'no colours'],
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
