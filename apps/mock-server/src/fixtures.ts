import { readFile } from 'node:fs/promises';
import { DEFAULT_REGION, type MockAdminComponents, validateSchema } from '@dds-backup/contract';
import { parse as parseYaml } from 'yaml';
import { type Dataset, DEFAULT_KEEP_DAYS, type FileDef, hexId, type InstanceDef } from './dataset.js';

/** Thrown for a fixtures file that cannot be read, parsed or validated; the message lists every problem. */
export class FixturesError extends Error {
  override name = 'FixturesError';
}

/** The fixtures format: the admin spec's `Fixtures` schema (generated type). */
type FixturesDocument = MockAdminComponents['schemas']['Fixtures'];

const FIXED_TIME = Date.UTC(2025, 10, 28, 2, 0, 0);

function parseTime(value: string | undefined, fallback: number, where: string, problems: string[]): number {
  if (value === undefined) return fallback;
  const iso = /[+-]\d{4}$/.test(value) ? `${value.slice(0, -2)}:${value.slice(-2)}` : value;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms))
    problems.push(`${where}: "${value}" is not a time (use 2025-11-28T02:00:00Z or 2025-11-28T10:00:00+0800)`);
  return Number.isNaN(ms) ? fallback : ms;
}

/**
 * Validates a fixtures document (parsed YAML/JSON) against the admin spec's `Fixtures` schema,
 * then checks what a schema cannot (unique ids and names), and builds the dataset.
 * Throws FixturesError naming every problem; `source` names the file in the message.
 */
export function datasetFromFixtures(value: unknown, seed: number, source = 'fixtures'): Dataset {
  const check = validateSchema('Fixtures', value, 'mock-admin');
  if (!check.valid) {
    throw new FixturesError(
      `Invalid ${source}:\n${check.issues.map((i) => `  - ${i.path || '/'}: ${i.message}`).join('\n')}`,
    );
  }
  const doc = value as FixturesDocument;
  const problems: string[] = [];
  const projectIds = new Set<string>();
  const dataset: Dataset = {
    projects: doc.projects.map((p, pi) => {
      const id = p.id ?? (pi === 0 ? hexId(seed, 'project') : hexId(seed, `project:${pi}`));
      if (projectIds.has(id)) problems.push(`/projects/${pi}/id: project id ${id} appears twice`);
      projectIds.add(id);
      const instanceIds = new Set<string>();
      const backupIds = new Set<string>();
      return {
        id,
        name: p.name ?? DEFAULT_REGION,
        instances: p.instances.map((inst, ii) => {
          const at = `/projects/${pi}/instances/${ii}`;
          if (instanceIds.has(inst.id)) problems.push(`${at}/id: instance id ${inst.id} appears twice in the project`);
          instanceIds.add(inst.id);
          const optional: Partial<InstanceDef> = {};
          if (inst.status !== undefined) optional.status = inst.status;
          if (inst.datastore !== undefined) optional.datastore = { ...inst.datastore };
          if (inst.vpc_id !== undefined) optional.vpcId = inst.vpc_id;
          if (inst.subnet_id !== undefined) optional.subnetId = inst.subnet_id;
          if (inst.tags !== undefined) optional.tags = inst.tags.map((t) => ({ ...t }));
          if (inst.auto_backup_bytes !== undefined) optional.autoBackupBytes = inst.auto_backup_bytes;
          if (inst.backup_strategy !== undefined)
            optional.backupStrategy = {
              startTime: inst.backup_strategy.start_time,
              keepDays: inst.backup_strategy.keep_days ?? DEFAULT_KEEP_DAYS,
            };
          return {
            id: inst.id,
            name: inst.name ?? `instance-${inst.id.slice(0, 8)}`,
            mode: inst.mode ?? 'ReplicaSet',
            created: parseTime(inst.created, FIXED_TIME, `${at}/created`, problems),
            ...optional,
            backups: (inst.backups ?? []).map((b, bi) => {
              const bat = `${at}/backups/${bi}`;
              if (backupIds.has(b.id)) problems.push(`${bat}/id: backup id ${b.id} appears twice in the project`);
              backupIds.add(b.id);
              const names = new Set<string>();
              for (const [fi, f] of b.files.entries()) {
                if (names.has(f.name))
                  problems.push(`${bat}/files/${fi}/name: file name "${f.name}" appears twice in the backup`);
                names.add(f.name);
              }
              const beginTime = parseTime(b.begin_time, FIXED_TIME, `${bat}/begin_time`, problems);
              return {
                id: b.id,
                name: b.name ?? `backup-${b.id.slice(0, 8)}`,
                type: b.type ?? 'auto',
                status: b.status ?? 'COMPLETED',
                beginTime,
                endTime: parseTime(b.end_time, beginTime + 420_000, `${bat}/end_time`, problems),
                ...(b.description !== undefined ? { description: b.description } : {}),
                files: fileDefsFrom(b.files),
              };
            }),
          };
        }),
      };
    }),
  };
  if (problems.length > 0) throw new FixturesError(`Invalid ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return dataset;
}

/** Reads a fixtures file (YAML, or JSON, which YAML also parses) into a dataset. */
export async function loadFixtures(path: string, seed = 1): Promise<Dataset> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new FixturesError(`Cannot read fixtures file ${path}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw new FixturesError(`Fixtures file ${path} is not valid YAML or JSON: ${(e as Error).message}`);
  }
  return datasetFromFixtures(value, seed, `fixtures file ${path}`);
}

/** The spec's snake_case backup files (fixture files, AddMockBackup bodies) as the dataset's. */
export function fileDefsFrom(
  files: readonly { name: string; size_bytes: number; group_id?: string; group_name?: string }[],
): FileDef[] {
  return files.map((f) => ({
    name: f.name,
    sizeBytes: f.size_bytes,
    ...(f.group_id !== undefined ? { groupId: f.group_id } : {}),
    ...(f.group_name !== undefined ? { groupName: f.group_name } : {}),
  }));
}
