import type { MockClock } from './clock.js';
import type { BackupDef, Dataset, FileDef, InstanceDef, ProjectDef } from './dataset.js';
import { FaultSet } from './faults.js';
import { Journal } from './journal.js';
import { ViolationLog } from './proxy/violations.js';
import { runSchedule, type ScheduleReport } from './schedule.js';

/** A project with its lookup indexes. */
export interface ProjectState {
  def: ProjectDef;
  bucket: string;
  instances: Map<string, InstanceDef>;
  /** backup id -> backup and the instance it belongs to. */
  backups: Map<string, { backup: BackupDef; instance: InstanceDef }>;
}

/** OBS bucket of a project: `dbs-backup-{region}-{project id}`, like the spec's example. */
export const bucketOf = (p: ProjectDef) => `dbs-backup-${p.name}-${p.id}`;

function indexProject(def: ProjectDef): ProjectState {
  const instances = new Map<string, InstanceDef>();
  const backups = new Map<string, { backup: BackupDef; instance: InstanceDef }>();
  for (const instance of def.instances) {
    instances.set(instance.id, instance);
    for (const backup of instance.backups) backups.set(backup.id, { backup, instance });
  }
  return { def, bucket: bucketOf(def), instances, backups };
}

const cloneDataset = (d: Dataset): Dataset => structuredClone(d);

/**
 * One isolated world: its own copy of the dataset, clock, fault rules and journal. Parallel
 * partner CI runs each pick a namespace (`X-Mock-Namespace` header, carried in download links),
 * so their resets, faults and clock moves never touch each other.
 */
export class Namespace {
  projects = new Map<string, ProjectState>();
  buckets = new Map<string, ProjectState>();
  readonly faults: FaultSet;
  readonly journal = new Journal();
  /** Validation proxy reports (`GET /__mock/violations`). */
  readonly violations = new ViolationLog();
  /** Uses of links that carry a `times`-limited scenario, by signature. */
  readonly linkUses = new Map<string, number>();
  /** The furthest mock time the backup schedule has run to (it never runs backwards). */
  private scheduledTo = Number.NEGATIVE_INFINITY;
  /** Mock time of the schedule's next event (a start, a completion, an expiry): ticks before it are free. */
  private nextEvent = Number.NEGATIVE_INFINITY;
  /**
   * Backups added through the admin API without ids so far: their ids and names are drawn from
   * the seed and this count, so it belongs to the namespace (another namespace's additions must
   * not shift them) and goes back to 0 with the dataset (a reset mock adds what a fresh one does).
   */
  private addedBackups = 0;

  constructor(
    readonly name: string,
    private initial: () => Dataset,
    readonly clock: MockClock,
    readonly seed: number,
  ) {
    this.faults = new FaultSet(seed);
    this.load(initial());
  }

  private load(dataset: Dataset): void {
    this.projects.clear();
    this.buckets.clear();
    for (const def of cloneDataset(dataset).projects) {
      const state = indexProject(def);
      this.projects.set(def.id, state);
      this.buckets.set(state.bucket, state);
    }
    this.addedBackups = 0;
    // A fresh dataset gets the last keep-days of automated backups at the next tick.
    this.scheduledTo = Number.NEGATIVE_INFINITY;
    this.nextEvent = Number.NEGATIVE_INFINITY;
  }

  /**
   * Runs the backup schedule up to the mock clock (schedule.ts): new automated backups,
   * BUILDING ones completed, expired ones deleted. Every request calls it first; it costs one
   * comparison until the next event is due.
   */
  tick(now = this.clock.now()): ScheduleReport {
    if (now < this.nextEvent) return { created: 0, completed: 0, expired: 0 };
    const t = Math.max(now, this.scheduledTo);
    const { report, nextEvent } = runSchedule(
      {
        instances: () => [...this.projects.values()].flatMap((p) => p.def.instances),
        add: (instance, backup) => {
          const project = this.projectOf(instance);
          if (!project || project.backups.has(backup.id)) return false;
          instance.backups.push(backup);
          project.backups.set(backup.id, { backup, instance });
          return true;
        },
        remove: (instance, backup) => {
          instance.backups = instance.backups.filter((b) => b !== backup);
          const project = this.projectOf(instance);
          if (project?.backups.get(backup.id)?.backup === backup) project.backups.delete(backup.id);
        },
      },
      this.seed,
      this.scheduledTo,
      t,
    );
    this.scheduledTo = t;
    this.nextEvent = nextEvent;
    return report;
  }

  private projectOf(instance: InstanceDef): ProjectState | undefined {
    for (const p of this.projects.values()) if (p.instances.get(instance.id) === instance) return p;
    return undefined;
  }

  /** Back to the initial dataset; faults, journal, violations and link counters cleared. The clock stays. */
  reset(): void {
    this.load(this.initial());
    this.faults.clear();
    this.journal.clear();
    this.violations.clear();
    this.linkUses.clear();
  }

  /** Replaces the dataset; `reset()` returns to it from now on. */
  replaceDataset(dataset: Dataset): void {
    this.initial = () => dataset;
    this.load(dataset);
  }

  /** The number of the next backup added through the admin API (1, 2, ... since the dataset was loaded). */
  nextAddedBackup(): number {
    return ++this.addedBackups;
  }

  /** Adds (or replaces) a backup of an instance; creates the project and instance when new. */
  addBackup(input: {
    projectId: string;
    region: string;
    instanceId: string;
    instanceName?: string;
    mode?: InstanceDef['mode'];
    /** Fields of a new instance (an existing one keeps its own; `backupStrategy` replaces its policy). */
    instance?: Partial<Omit<InstanceDef, 'id' | 'backups'>>;
    backup: BackupDef;
  }): void {
    let project = this.projects.get(input.projectId);
    if (!project) {
      project = indexProject({ id: input.projectId, name: input.region, instances: [] });
      this.projects.set(project.def.id, project);
      this.buckets.set(project.bucket, project);
    }
    let instance = project.instances.get(input.instanceId);
    if (!instance) {
      instance = {
        ...input.instance,
        id: input.instanceId,
        name: input.instanceName ?? `instance-${input.instanceId.slice(0, 8)}`,
        mode: input.mode ?? 'ReplicaSet',
        backups: [],
        created: input.instance?.created ?? input.backup.beginTime,
      };
      project.def.instances.push(instance);
      project.instances.set(instance.id, instance);
    } else if (input.instance?.backupStrategy) {
      instance.backupStrategy = input.instance.backupStrategy;
    }
    // A new BUILDING backup or policy is a new event: the next tick recomputes (from where the
    // schedule stands, so a policy added now brings backups from now on, not a past week).
    this.nextEvent = Number.NEGATIVE_INFINITY;
    const previous = project.backups.get(input.backup.id);
    if (previous) previous.instance.backups = previous.instance.backups.filter((b) => b.id !== input.backup.id);
    instance.backups.push(input.backup);
    project.backups.set(input.backup.id, { backup: input.backup, instance });
  }

  /** A file by bucket, backup id and name (the object route's lookup). */
  findFile(
    bucket: string,
    backupId: string,
    name: string,
  ): { project: ProjectState; backup: BackupDef; file: FileDef } | undefined {
    const project = this.buckets.get(bucket);
    const entry = project?.backups.get(backupId);
    // A BUILDING backup's objects are not written yet.
    if (entry?.backup.status === 'BUILDING') return undefined;
    const file = entry?.backup.files.find((f) => f.name === name);
    return project && entry && file ? { project, backup: entry.backup, file } : undefined;
  }
}
