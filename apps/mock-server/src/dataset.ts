import { createHash } from 'node:crypto';
import { DEFAULT_REGION } from '@dds-backup/contract';

/**
 * The mock's world as data: projects, instances, backups and files. The default dataset is
 * built from the seed, so its ids are the same on every run with the same seed; a fixtures file
 * replaces it (see fixtures.ts).
 */
export interface FileDef {
  name: string;
  /** Exact size in bytes (the API reports it in KB, rounded up). */
  sizeBytes: number;
  groupId?: string;
  groupName?: string;
}

export interface BackupDef {
  id: string;
  name: string;
  /** `auto`, `manual` or `incremental`, as the backup list API spells it. */
  type: string;
  status: string;
  /** Backup start/end, ms since epoch. The end is also the objects' Last-Modified. */
  beginTime: number;
  endTime: number;
  files: FileDef[];
}

export interface InstanceDef {
  id: string;
  name: string;
  /** `ReplicaSet`, `Sharding` or `Single`. */
  mode: string;
  backups: BackupDef[];
}

export interface ProjectDef {
  id: string;
  /** Project name: the region id for a region's default project (IAM `GET /v3/projects?name=`). */
  name: string;
  instances: InstanceDef[];
}

export interface Dataset {
  projects: ProjectDef[];
}

/** 32 lowercase hex characters derived from the seed and a label: Huawei's id shape. */
export function hexId(seed: number, label: string): string {
  return createHash('sha256').update(`${seed}:${label}`).digest('hex').slice(0, 32);
}

/** Ids of the default dataset, by role (also in `server.defaults` and `GET /__mock/state`). */
export interface DefaultIds {
  projectId: string;
  region: string;
  /** Replica-set instance, one backup with one small file. */
  replicaSet: { instanceId: string; backupId: string };
  /** Sharded-cluster instance, one backup with one file per shard and config group (the demo, a few MiB). */
  sharded: { instanceId: string; backupId: string };
  /** Instance whose one backup holds one file of 1.5 GiB. */
  large: { instanceId: string; backupId: string };
  /** Instance with no backup. */
  empty: { instanceId: string };
}

export function defaultIds(seed: number): DefaultIds {
  const instance = (role: string) => `${hexId(seed, `instance:${role}`)}in02`;
  const backup = (role: string) => `${hexId(seed, `backup:${role}`)}br02`;
  return {
    projectId: hexId(seed, 'project'),
    region: DEFAULT_REGION,
    replicaSet: { instanceId: instance('replica-set'), backupId: backup('replica-set') },
    sharded: { instanceId: instance('sharded'), backupId: backup('sharded') },
    large: { instanceId: instance('large'), backupId: backup('large') },
    empty: { instanceId: instance('empty') },
  };
}

// Sizes are deliberately not multiples of 1024, so the KB rounding is exercised.
const MiB = 1024 * 1024;
export const DEFAULT_SIZES = {
  replicaSet: 2_870_259,
  shard1: 5 * MiB + 12_345,
  shard2: 4 * MiB + 777,
  shard3: 3 * MiB + 4_099,
  config: 41_003,
  large: 1536 * MiB + 123_457,
} as const;

/** The built-in dataset: what `npx dds-backup-mock` serves without `--fixtures`. */
export function defaultDataset(seed: number): Dataset {
  const ids = defaultIds(seed);
  // Fixed times (not "now") keep Last-Modified and state answers deterministic.
  const day = Date.UTC(2025, 10, 28, 2, 0, 0);
  const backup = (id: string, name: string, offsetHours: number, files: FileDef[], type = 'auto'): BackupDef => ({
    id,
    name,
    type,
    status: 'COMPLETED',
    beginTime: day + offsetHours * 3_600_000,
    endTime: day + offsetHours * 3_600_000 + 420_000,
    files,
  });
  const group = (name: string) => ({ groupId: `${hexId(seed, `group:${name}`)}gr02`, groupName: name });
  const sb = ids.sharded.backupId;
  return {
    projects: [
      {
        id: ids.projectId,
        name: ids.region,
        instances: [
          {
            id: ids.replicaSet.instanceId,
            name: 'dds-replica-demo',
            mode: 'ReplicaSet',
            backups: [
              backup(ids.replicaSet.backupId, 'replica-demo-auto', 0, [
                { name: `${ids.replicaSet.backupId}.tar.gz`, sizeBytes: DEFAULT_SIZES.replicaSet },
              ]),
            ],
          },
          {
            id: ids.sharded.instanceId,
            name: 'dds-cluster-demo',
            mode: 'Sharding',
            backups: [
              backup(sb, 'cluster-demo-auto', 1, [
                { name: `${sb}_shard_1.tar.gz`, sizeBytes: DEFAULT_SIZES.shard1, ...group('shard_1') },
                { name: `${sb}_shard_2.tar.gz`, sizeBytes: DEFAULT_SIZES.shard2, ...group('shard_2') },
                { name: `${sb}_shard_3.tar.gz`, sizeBytes: DEFAULT_SIZES.shard3, ...group('shard_3') },
                { name: `${sb}_config.tar.gz`, sizeBytes: DEFAULT_SIZES.config, ...group('config') },
              ]),
            ],
          },
          {
            id: ids.large.instanceId,
            name: 'dds-large-demo',
            mode: 'ReplicaSet',
            backups: [
              backup(
                ids.large.backupId,
                'large-demo-manual',
                2,
                [{ name: `${ids.large.backupId}.tar.gz`, sizeBytes: DEFAULT_SIZES.large }],
                'manual',
              ),
            ],
          },
          { id: ids.empty.instanceId, name: 'dds-empty-demo', mode: 'Single', backups: [] },
        ],
      },
    ],
  };
}

/** Size as the API reports it: KB (1024 bytes), rounded up so a non-empty file never shows 0. */
export const sizeInKb = (bytes: number): number => Math.ceil(bytes / 1024);
