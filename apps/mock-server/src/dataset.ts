import { createHash } from 'node:crypto';
import { type components, DEFAULT_REGION, getRegion, ID_SHAPES } from '@dds-backup/contract';

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
  /** `BUILDING` until `completesAt` (when set), then `COMPLETED`; any other status stays as it is. */
  status: string;
  /** Backup start/end, ms since epoch. The end is also the objects' Last-Modified. */
  beginTime: number;
  endTime: number;
  /** When a `BUILDING` backup becomes `COMPLETED` on the mock clock (the schedule sets it). */
  completesAt?: number;
  description?: string;
  files: FileDef[];
}

/** An instance's automated backup policy (DECISIONS.md D-30). */
export interface BackupStrategyDef {
  /** UTC window `hh:mm-HH:MM`; the daily backup begins at its start. */
  startTime: string;
  /** Days an automated backup is kept (1-732). */
  keepDays: number;
}

/** One group of an instance (a cluster's shards and config servers; a replica set's one group). */
export interface GroupDef {
  id: string;
  name: string;
  /** `shard`, `config`, `mongos`, `replica` or `single`. */
  type: string;
}

export interface InstanceDef {
  id: string;
  name: string;
  /** The spec's `InstanceMode`: `ReplicaSet`, `Sharding` or `Single`. */
  mode: components['schemas']['InstanceMode'];
  backups: BackupDef[];
  /** ListInstances `status` (default `normal`). */
  status?: string;
  /** Engine edition and version (default `DDS-Community` 4.0). */
  datastore?: { type: string; version: string };
  /** Creation time, ms since epoch (ListInstances `created`). */
  created?: number;
  vpcId?: string;
  subnetId?: string;
  tags?: Array<{ key: string; value: string }>;
  /** Groups of the instance (default: derived from the mode and the seed). */
  groups?: GroupDef[];
  /** The automated backup policy; undefined: no automated backups (only the listed ones). */
  backupStrategy?: BackupStrategyDef;
  /** Approximate size of each file of a scheduled backup, in bytes (default DEFAULT_AUTO_BACKUP_BYTES). */
  autoBackupBytes?: number;
}

export interface ProjectDef {
  id: string;
  /** Project name: the region id for a region's default project (IAM `GET /v3/projects?name=`). */
  name: string;
  instances: InstanceDef[];
}

/** Files of a scheduled backup are this size (plus up to a quarter, from the seed) unless the instance says otherwise. */
export const DEFAULT_AUTO_BACKUP_BYTES = 200_000;
/** Default keep days of an automated backup policy (Huawei's default). */
export const DEFAULT_KEEP_DAYS = 7;

export interface Dataset {
  projects: ProjectDef[];
}

/** 32 lowercase hex characters derived from the seed and a label: Huawei's id shape. */
export function hexId(seed: number, label: string): string {
  return createHash('sha256').update(`${seed}:${label}`).digest('hex').slice(0, 32);
}

/** Ids of the default dataset, by role (also in `server.defaults` and `GET /__mock/state`). */
export interface DefaultIds {
  /** The default project (region `region`): the small instances, every one a quick mirror. */
  projectId: string;
  region: string;
  /** Replica-set instance (daily automated backups, one small file each), and its manual backup of one ~2.7 MiB file. */
  replicaSet: { instanceId: string; backupId: string };
  /** Sharded-cluster instance (daily automated backups, one small file per group), and its manual backup of one file per shard and config group (the demo, ~12.8 MiB). */
  sharded: { instanceId: string; backupId: string };
  /** Instance whose one manual backup holds one file of 1.5 GiB: in a second project (`projectId`, region `region`), never scheduled, so a mirror of the default project stays small. */
  large: { projectId: string; region: string; instanceId: string; backupId: string };
  /** Instance with no backup and no backup policy. */
  empty: { instanceId: string };
}

/** Region of the second project, which holds only the large instance. */
// A region of the spec's list, checked when the module loads (getRegion throws for a region the spec lost).
export const LARGE_PROJECT_REGION = getRegion('cn-east-3').id;

export function defaultIds(seed: number): DefaultIds {
  const instance = (role: string) => `${hexId(seed, `instance:${role}`)}${ID_SHAPES.instance.suffix}`;
  const backup = (role: string) => `${hexId(seed, `backup:${role}`)}${ID_SHAPES.backup.suffix}`;
  return {
    projectId: hexId(seed, 'project'),
    region: DEFAULT_REGION,
    replicaSet: { instanceId: instance('replica-set'), backupId: backup('replica-set') },
    sharded: { instanceId: instance('sharded'), backupId: backup('sharded') },
    large: {
      projectId: hexId(seed, 'project:large'),
      region: LARGE_PROJECT_REGION,
      instanceId: instance('large'),
      backupId: backup('large'),
    },
    empty: { instanceId: instance('empty') },
  };
}

/** A UUID-shaped id from the seed (VPC and subnet ids are UUIDs in Huawei's examples). */
export function uuidFrom(seed: number, label: string): string {
  const h = hexId(seed, label);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The groups of an instance: its own, else derived from its mode (a cluster: three shards and a config group). */
export function groupsOf(instance: InstanceDef, seed: number): GroupDef[] {
  if (instance.groups) return instance.groups;
  const group = (name: string, type: string): GroupDef => ({
    id: `${hexId(seed, `group:${instance.id}:${name}`)}${ID_SHAPES.group.suffix}`,
    name,
    type,
  });
  if (instance.mode === 'Sharding')
    return [group('shard_1', 'shard'), group('shard_2', 'shard'), group('shard_3', 'shard'), group('config', 'config')];
  return [group(instance.mode === 'Single' ? 'single' : 'replica', instance.mode === 'Single' ? 'single' : 'replica')];
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

/**
 * The built-in dataset: what `npx dds-backup-mock` serves without `--fixtures`. Two projects:
 * the default one (region cn-north-4) with the small instances, two of them on a daily backup
 * policy (their automated backups come from the schedule, see schedule.ts), and a second one
 * (cn-east-3) with the 1.5 GiB instance, so a mirror of the default project stays small.
 */
export function defaultDataset(seed: number): Dataset {
  const ids = defaultIds(seed);
  // Fixed times (not "now") keep Last-Modified and state answers deterministic. The demo
  // backups are manual, so they are kept however far the clock moves (DECISIONS.md D-30).
  const day = Date.UTC(2025, 10, 28, 2, 0, 0);
  const backup = (id: string, name: string, offsetHours: number, files: FileDef[]): BackupDef => ({
    id,
    name,
    type: 'manual',
    status: 'COMPLETED',
    beginTime: day + offsetHours * 3_600_000,
    endTime: day + offsetHours * 3_600_000 + 420_000,
    description: 'Demo backup of the dds-backup mock',
    files,
  });
  const groupDef = (name: string, type: string): GroupDef => ({
    id: `${hexId(seed, `group:${name}`)}${ID_SHAPES.group.suffix}`,
    name,
    type,
  });
  const shardedGroups = [
    groupDef('shard_1', 'shard'),
    groupDef('shard_2', 'shard'),
    groupDef('shard_3', 'shard'),
    groupDef('config', 'config'),
  ];
  const group = (name: string) => ({
    groupId: `${hexId(seed, `group:${name}`)}${ID_SHAPES.group.suffix}`,
    groupName: name,
  });
  const network = (label: string) => ({
    vpcId: uuidFrom(seed, `vpc:${label}`),
    subnetId: uuidFrom(seed, `subnet:${label}`),
  });
  const created = (n: number) => Date.UTC(2025, 5, 1 + n, 8, 0, 0);
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
            created: created(0),
            ...network('demo'),
            tags: [
              { key: 'env', value: 'demo' },
              { key: 'team', value: 'db' },
            ],
            backupStrategy: { startTime: '02:00-03:00', keepDays: DEFAULT_KEEP_DAYS },
            autoBackupBytes: 300_000,
            backups: [
              backup(ids.replicaSet.backupId, 'replica-demo-manual', 0, [
                { name: `${ids.replicaSet.backupId}.tar.gz`, sizeBytes: DEFAULT_SIZES.replicaSet },
              ]),
            ],
          },
          {
            id: ids.sharded.instanceId,
            name: 'dds-cluster-demo',
            mode: 'Sharding',
            datastore: { type: 'DDS-Enhanced', version: '4.0' },
            created: created(1),
            ...network('demo'),
            tags: [{ key: 'env', value: 'demo' }],
            groups: shardedGroups,
            backupStrategy: { startTime: '03:00-04:00', keepDays: DEFAULT_KEEP_DAYS },
            autoBackupBytes: 100_000,
            backups: [
              backup(sb, 'cluster-demo-manual', 1, [
                { name: `${sb}_shard_1.tar.gz`, sizeBytes: DEFAULT_SIZES.shard1, ...group('shard_1') },
                { name: `${sb}_shard_2.tar.gz`, sizeBytes: DEFAULT_SIZES.shard2, ...group('shard_2') },
                { name: `${sb}_shard_3.tar.gz`, sizeBytes: DEFAULT_SIZES.shard3, ...group('shard_3') },
                { name: `${sb}_config.tar.gz`, sizeBytes: DEFAULT_SIZES.config, ...group('config') },
              ]),
            ],
          },
          {
            id: ids.empty.instanceId,
            name: 'dds-empty-demo',
            mode: 'Single',
            created: created(2),
            ...network('empty'),
            backups: [],
          },
        ],
      },
      {
        id: ids.large.projectId,
        name: ids.large.region,
        instances: [
          {
            id: ids.large.instanceId,
            name: 'dds-large-demo',
            mode: 'ReplicaSet',
            created: created(3),
            ...network('large'),
            backups: [
              backup(ids.large.backupId, 'large-demo-manual', 2, [
                { name: `${ids.large.backupId}.tar.gz`, sizeBytes: DEFAULT_SIZES.large },
              ]),
            ],
          },
        ],
      },
    ],
  };
}

/** Size as the API reports it: KB (1024 bytes), rounded up so a non-empty file never shows 0. */
export const sizeInKb = (bytes: number): number => Math.ceil(bytes / 1024);
