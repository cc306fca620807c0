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
    description: 'Log every request and response (secrets redacted) and show stack traces',
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
      'dds-backup download --instance-id ID --backup-id ID [--dir DIR] [--concurrency N] [--segments N] [--force] [--no-verify] [--json]',
    description:
      'Downloads into DIR (default ./BACKUP_ID), refreshing links that expire, resuming what an earlier run left, and verifying sizes and MD5. Files appear under their final names only when complete. Re-run the same command to resume.',
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
      { name: 'force', type: 'boolean', description: 'Overwrite files in DIR that this tool did not download' },
      {
        name: 'no-verify',
        type: 'boolean',
        description: 'Skip the MD5 and listed-KB-size checks (byte counts against Content-Length are still checked)',
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
    usage: 'dds-backup verify --dir DIR',
    description: 'Checks every file the manifest lists for presence, size and checksum. Needs no credentials.',
    options: [
      { name: 'dir', short: 'd', type: 'string', value: 'DIR', description: 'Directory of a download (required)' },
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

export const EXIT_CODES: ReadonlyArray<readonly [number, string]> = [
  [0, 'success'],
  [1, 'failure (also: a TLS certificate refused, which retrying cannot fix)'],
  [2, 'usage error'],
  [3, 'authentication or permission (also: no credentials configured, a proxy answering 407)'],
  [4, 'instance or backup not found'],
  [5, 'incomplete but resumable (network gave up, interrupted): run the same command again'],
  [6, 'verification failed'],
  [130, 'interrupted by Ctrl-C (state saved, resumable)'],
];

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
  ['XDG_CONFIG_HOME', 'where the profile file lives ($XDG_CONFIG_HOME/dds-backup/config.json)'],
  ['NO_COLOR', 'no colours'],
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
