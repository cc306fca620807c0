import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DdsClient } from '../client.js';
import { Budget } from '../download/budget.js';
import { lockDirectory } from '../download/dir-lock.js';
import { type DownloadBackupOptions, type DownloadResult, downloadBackup } from '../download/download-backup.js';
import { describeError, emitter } from '../download/events.js';
import { noServerChecksum } from '../download/verify.js';
import { AbortError, ConfigurationError, DdsBackupError } from '../errors.js';
import { type BackupType, backupTime, isStatus, type ListedBackup } from '../list-backups.js';
import type { MirrorEvent } from './events.js';
import { backupFolder, isIntact, removeLocalCopy } from './local-copy.js';
import { type MirroredBackup, type MirroredFile, MirrorManifest, type MirrorRunSummary } from './mirror-manifest.js';
import type { MirrorStore, S3MirrorSettings } from './mirror-store.js';
import { backupsToRemove, checkRetentionRules } from './retention.js';

export interface MirrorOptions {
  client: DdsClient;
  /** The mirror directory: backups go to `{dir}/{instance_id}/{backup_id}/`. Created if missing. Or `to`. */
  dir?: string;
  /**
   * `s3://BUCKET/PREFIX` instead of `dir`: backups go to `PREFIX/{instance_id}/{backup_id}/{file}`
   * (see `@dds-backup/client/s3`); the lock and the manifest live in
   * `$XDG_STATE_HOME/dds-backup/s3/mirror-BUCKET-HASH/` (HASH of endpoint, bucket and prefix).
   */
  to?: string;
  /** With `to`: the S3 server, credentials, part size, state location. */
  s3?: S3MirrorSettings;
  /** Instances to mirror; absent or empty: every instance of the project that has backups. */
  instanceIds?: readonly string[];
  /** Which backups (default: full backups, i.e. `auto` and `manual`). */
  type?: BackupType;
  /** Only backups that started at or after this time (the API's begin_time; end_time is now). */
  since?: Date;
  /** Keep the N newest verified copies per instance. */
  keep?: number;
  /** Keep the verified copies whose backup ended within D days. */
  keepDays?: number;
  /** Say what would be downloaded and removed; write nothing, call no download link. */
  dryRun?: boolean;
  /** Files downloaded at once within one backup (default 4). */
  concurrency?: number;
  /** Parallel ranged requests per large file (default 4). */
  segmentsPerFile?: number;
  /** Backups downloaded at once (default 2). */
  parallelBackups?: number;
  /** Object requests in flight across ALL backups: the one global budget (default max(concurrency, segmentsPerFile)). */
  maxConnections?: number;
  /** A file the server gives no checksum for fails verification (engine option). */
  requireChecksum?: boolean;
  /** Re-hash copies already verified instead of trusting size and mtime (engine option). */
  recheck?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: MirrorEvent) => void;
  /** Clock for `--keep-days` and `since`'s end time (default Date.now). */
  now?: () => number;
  /** Further engine options for every backup (tests: bootId, transport, stallTimeoutMs...). */
  download?: Partial<Omit<DownloadBackupOptions, 'client' | 'instanceId' | 'backupId' | 'dir' | 'signal' | 'onEvent'>>;
}

/** What happened to one listed backup. */
export interface MirrorBackupOutcome {
  instanceId: string;
  backupId: string;
  /** Folder relative to the mirror directory. */
  dir: string;
  outcome: 'new' | 'skipped' | 'excluded' | 'failed' | 'incomplete' | 'pending' | 'planned';
  /** The error of a failed or incomplete backup (map it to an exit code as for `download`). */
  error?: unknown;
  /** The engine's result (a directory mirror; an S3 mirror gives `DownloadToS3Result`). */
  result?: DownloadResult | { bytes: number; transferredBytes: number };
}

export interface MirrorResult {
  /** The mirror directory, or `s3://BUCKET/PREFIX`. */
  dir: string;
  manifestPath: string;
  backups: MirrorBackupOutcome[];
  removed: { instanceId: string; backupId: string; dir: string; keptFolder: boolean }[];
  missingInstances: string[];
  summary: MirrorRunSummary;
}

/**
 * Keeps an off-cloud copy of every COMPLETED backup of some instances: lists them (all pages),
 * downloads each one not yet verified into `{dir}/{instance_id}/{backup_id}/` with the download
 * engine (resume, link refresh, verification), several at once within one connection budget,
 * going on after a failed backup; then applies retention to the copies it verified; and records
 * everything in `{dir}/.dds-backup-mirror.json`. One mirror per directory at a time (the lock).
 *
 * Throws only for what stops the whole run: the listing failed (auth, network), the directory
 * is busy or its manifest unreadable, or the signal fired (AbortError, after saving state).
 * Per-backup failures are in the result.
 */
export async function mirrorBackups(options: MirrorOptions): Promise<MirrorResult> {
  const started = Date.now();
  const now = options.now ?? Date.now;
  const { client } = options;
  if ((typeof options.dir !== 'string' || options.dir === '') === (typeof options.to !== 'string' || options.to === ''))
    throw new ConfigurationError('Pass exactly one of dir (the mirror directory) and to (s3://BUCKET/PREFIX).');
  try {
    checkRetentionRules({ keep: options.keep, keepDays: options.keepDays });
  } catch (error) {
    throw new ConfigurationError((error as Error).message);
  }
  const concurrency = positive('concurrency', options.concurrency, 4);
  const segmentsPerFile = positive('segmentsPerFile', options.segmentsPerFile, 4);
  const parallelBackups = positive('parallelBackups', options.parallelBackups, 2);
  const maxConnections = positive('maxConnections', options.maxConnections, Math.max(concurrency, segmentsPerFile));
  const dryRun = options.dryRun === true;
  const emit = emitter(options.onEvent as never) as (event: MirrorEvent) => void;
  const signal = options.signal;
  if (signal?.aborted) throw new AbortError();

  // Where copies go (a directory, a bucket) and where the mirror keeps its lock and manifest.
  const store: MirrorStore = options.to
    ? await (await import('../destination/s3-mirror-store.js')).s3MirrorStore(options.to, options.s3 ?? {}, {
        client,
        concurrency,
        partsPerFile: segmentsPerFile,
        parallelBackups,
        ...(options.requireChecksum ? { requireChecksum: true } : {}),
      })
    : diskStore(resolve(options.dir!), options, { client, concurrency, segmentsPerFile });
  let unlock: (() => Promise<void>) | undefined;
  try {
    if (!dryRun) {
      await store.prepare();
      await mkdir(store.stateDir, { recursive: true });
      unlock = await lockDirectory(store.stateDir);
    }
    return await run();
  } finally {
    await unlock?.();
    await store.close?.();
  }

  async function run(): Promise<MirrorResult> {
    const manifest = await MirrorManifest.load(store.stateDir);
    const startedAt = new Date(now()).toISOString();
    const { backups, missingInstances } = await listWanted();
    for (const instanceId of missingInstances) emit({ type: 'instance-missing', instanceId });

    const outcomes: MirrorBackupOutcome[] = [];
    type Job = { backup: ListedBackup; dir: string; endTime: string; record: MirroredBackup | undefined };
    const wanted: Job[] = [];
    const jobs: Job[] = [];
    // Oldest first, so a run cut short has the older (sooner to expire in the cloud) copies.
    const ordered = [...backups].sort((a, b) => time(a.end_time) - time(b.end_time) || a.id.localeCompare(b.id));
    for (const backup of ordered) {
      const folder = backupFolder(backup.instance_id, backup.id);
      const endTime = iso(backup.end_time) ?? iso(backup.begin_time) ?? new Date(0).toISOString();
      if ('refused' in folder) {
        const error = new ConfigurationError(`Skipping a backup: ${folder.refused}.`);
        const dir = `${backup.instance_id}/${backup.id}`;
        outcomes.push({ instanceId: backup.instance_id, backupId: backup.id, dir, outcome: 'failed', error });
        emit({
          type: 'backup-failed',
          instanceId: backup.instance_id,
          backupId: backup.id,
          dir,
          endTime,
          resumable: false,
          error: describeError(error),
        });
        continue;
      }
      const ref = { instanceId: backup.instance_id, backupId: backup.id, dir: folder.dir, endTime };
      if (!isStatus(backup.status, 'COMPLETED')) {
        outcomes.push({ ...ref, outcome: 'pending' });
        emit({ type: 'backup-skipped', ...ref, reason: 'not-completed', status: String(backup.status) });
        continue;
      }
      const record = manifest.get(backup.instance_id, backup.id);
      if (record && options.recheck !== true && (await store.isIntact(record))) {
        // requireChecksum refuses a copy verified by size only, as `download` (disk and S3)
        // refuses such a complete file instead of skipping it. Its record stays `verified`: the
        // copy is still the one verified, and retention must still be able to remove it.
        const sizeOnly = options.requireChecksum ? record.files?.find((f) => f.checksum !== 'md5') : undefined;
        if (sizeOnly) {
          const error = noServerChecksum(sizeOnly.name, 'the copy already mirrored was verified by size only');
          outcomes.push({ ...ref, outcome: 'failed', error });
          emit({ type: 'backup-failed', ...ref, resumable: false, error: describeError(error) });
          continue;
        }
        outcomes.push({ ...ref, outcome: 'skipped' });
        emit({ type: 'backup-skipped', ...ref, reason: 'verified', status: String(backup.status) });
        continue;
      }
      wanted.push({ backup, dir: folder.dir, endTime, record });
    }

    // A backup retention would remove at once (older than the N newest, and than D days) is not
    // downloaded at all: otherwise every run would fetch and delete the same old backups again.
    // The newest ones count as if their downloads succeed; if one fails, the next run retries it.
    const excluded = outOfRetention(wanted, manifest.records());
    for (const w of wanted) {
      const ref = { instanceId: w.backup.instance_id, backupId: w.backup.id, dir: w.dir, endTime: w.endTime };
      if (excluded.has(w.backup.id)) {
        outcomes.push({ ...ref, outcome: 'excluded' });
        emit({ type: 'backup-skipped', ...ref, reason: 'retention', status: String(w.backup.status) });
      } else if (dryRun) {
        outcomes.push({ ...ref, outcome: 'planned' });
        emit({ type: 'backup-planned', ...ref, sizeKB: w.backup.size });
      } else jobs.push(w);
    }

    const planned = outcomes.filter((o) => o.outcome === 'planned');
    const sizeOf = (id: string) => ordered.find((b) => b.id === id)?.size ?? 0;
    emit({
      type: 'plan',
      download: dryRun ? planned.length : jobs.length,
      sizeKB: dryRun
        ? planned.reduce((n, p) => n + sizeOf(p.backupId), 0)
        : jobs.reduce((n, j) => n + j.backup.size, 0),
      skipped: outcomes.filter((o) => o.outcome === 'skipped').length,
      pending: outcomes.filter((o) => o.outcome === 'pending').length,
    });

    const budget = new Budget(maxConnections);
    await runPool(jobs, parallelBackups, signal, async ({ backup, dir, endTime, record }) => {
      const ref = { instanceId: backup.instance_id, backupId: backup.id, dir, endTime };
      const base: MirroredBackup = {
        ...ref,
        state: 'downloading',
        name: backup.name,
        type: backup.type,
        ...(iso(backup.begin_time) ? { beginTime: iso(backup.begin_time) } : {}),
        sizeKB: backup.size,
        updatedAt: new Date(now()).toISOString(),
      };
      manifest.set(base);
      await manifest.save();
      emit({ type: 'backup-start', ...ref, sizeKB: backup.size, resumed: record !== undefined });
      const t0 = Date.now();
      try {
        const { result, files } = await store.copy(
          { instanceId: backup.instance_id, backupId: backup.id, dir, recorded: record !== undefined },
          {
            budget,
            ...(signal ? { signal } : {}),
            onEvent: (event) => emit({ ...event, instanceId: backup.instance_id, backupId: backup.id } as MirrorEvent),
          },
        );
        manifest.set({
          ...base,
          state: 'verified',
          files,
          bytes: result.bytes,
          verifiedAt: new Date(now()).toISOString(),
          updatedAt: new Date(now()).toISOString(),
        });
        await manifest.save();
        outcomes.push({ ...ref, outcome: 'new', result });
        emit({
          type: 'backup-done',
          ...ref,
          files: files.length,
          bytes: result.bytes,
          transferredBytes: result.transferredBytes,
          md5Files: files.filter((f) => f.checksum === 'md5').length,
          sizeOnlyFiles: files.filter((f) => f.checksum === 'size-only').length,
          durationMs: Date.now() - t0,
        });
      } catch (error) {
        const aborted = signal?.aborted === true;
        const resumable = aborted || (error instanceof DdsBackupError && error.retryable);
        const described = describeError(error instanceof Error ? (error as DdsBackupError) : new Error(String(error)));
        manifest.set({
          ...base,
          state: resumable ? 'incomplete' : 'failed',
          error: described,
          updatedAt: new Date(now()).toISOString(),
        });
        await manifest.save();
        outcomes.push({ ...ref, outcome: resumable ? 'incomplete' : 'failed', error });
        if (!aborted) emit({ type: 'backup-failed', ...ref, resumable, error: described });
      }
    });

    if (signal?.aborted) {
      throw new AbortError(
        `Mirror interrupted. What was downloaded is kept (see ${manifest.path}); run the same mirror again to resume. Nothing was removed.`,
      );
    }

    // Retention: per instance, over the copies the mirror verified (in this run or an earlier
    // one; in a dry run the planned ones count as if they had succeeded).
    const removed: MirrorResult['removed'] = [];
    const verified = manifest.records().filter((r) => r.state === 'verified');
    const byInstance = new Map<string, { backupId: string; endTime: number; record?: MirroredBackup }[]>();
    for (const r of verified)
      push(byInstance, r.instanceId, { backupId: r.backupId, endTime: Date.parse(r.endTime), record: r });
    for (const p of planned)
      push(byInstance, p.instanceId, { backupId: p.backupId, endTime: Date.parse(endTimeOf(p, ordered)) });
    for (const [instanceId, candidates] of byInstance) {
      for (const backupId of backupsToRemove(candidates, options, now())) {
        const record = candidates.find((c) => c.backupId === backupId)?.record;
        if (!record) continue;
        const keptFolder = dryRun ? false : (await store.remove(record)).keptFolder;
        if (!dryRun) {
          manifest.delete(instanceId, backupId);
          await manifest.save();
        }
        removed.push({ instanceId, backupId, dir: record.dir, keptFolder });
        emit({ type: 'removed', instanceId, backupId, dir: record.dir, endTime: record.endTime, dryRun, keptFolder });
      }
    }

    const count = (o: MirrorBackupOutcome['outcome']) => outcomes.filter((x) => x.outcome === o).length;
    const summary: MirrorRunSummary = {
      startedAt,
      finishedAt: new Date(now()).toISOString(),
      dryRun,
      new: count('new'),
      skipped: count('skipped'),
      excluded: count('excluded'),
      failed: count('failed'),
      incomplete: count('incomplete'),
      pending: count('pending'),
      removed: removed.map((r) => r.dir),
      missingInstances,
    };
    if (!dryRun) {
      manifest.lastRun = summary;
      await manifest.save();
    }
    emit({
      type: 'summary',
      dryRun,
      new: summary.new,
      skipped: summary.skipped,
      excluded: summary.excluded,
      failed: summary.failed,
      incomplete: summary.incomplete,
      pending: summary.pending,
      removed: removed.length,
      missingInstances,
      durationMs: Date.now() - started,
    });
    return { dir: store.display, manifestPath: manifest.path, backups: outcomes, removed, missingInstances, summary };
  }

  /** Ids among `wanted` that the retention rules would remove, counting every verified copy too. */
  function outOfRetention(
    wanted: readonly { backup: ListedBackup; endTime: string }[],
    records: readonly MirroredBackup[],
  ): Set<string> {
    const out = new Set<string>();
    if (options.keep === undefined && options.keepDays === undefined) return out;
    const byInstance = new Map<string, { backupId: string; endTime: number }[]>();
    const counted = new Set<string>();
    for (const r of records) {
      if (r.state !== 'verified') continue;
      counted.add(r.backupId);
      push(byInstance, r.instanceId, { backupId: r.backupId, endTime: Date.parse(r.endTime) });
    }
    for (const w of wanted)
      if (!counted.has(w.backup.id))
        push(byInstance, w.backup.instance_id, { backupId: w.backup.id, endTime: Date.parse(w.endTime) });
    const ids = new Set(wanted.map((w) => w.backup.id));
    for (const candidates of byInstance.values())
      for (const id of backupsToRemove(candidates, options, now())) if (ids.has(id)) out.add(id);
    return out;
  }

  /**
   * The backups to consider, all pages. Named instances are checked against ListInstances
   * first (a missing one is reported, the others mirrored); the backups of several instances
   * come from one project-wide listing, filtered here, which costs fewer calls than one listing
   * per instance (incremental backups need an instance id, so they are listed per instance).
   */
  async function listWanted(): Promise<{ backups: ListedBackup[]; missingInstances: string[] }> {
    const named = [...new Set(options.instanceIds ?? [])];
    const missingInstances: string[] = [];
    if (named.length > 0) {
      const known = new Set<string>();
      const filter = named.length === 1 ? { id: named[0]!, signal } : { signal };
      for await (const instance of client.listInstances(filter)) known.add(instance.id);
      missingInstances.push(...named.filter((id) => !known.has(id)));
    }
    const wanted = named.filter((id) => !missingInstances.includes(id));
    if (named.length > 0 && wanted.length === 0) return { backups: [], missingInstances };
    const base = {
      ...(options.type ? { type: options.type } : {}),
      ...(options.since ? { since: options.since, until: new Date(now()) } : {}),
      signal,
    };
    const scopes = wanted.length === 1 || (options.type === 'incremental' && wanted.length > 0) ? wanted : [undefined];
    if (options.type === 'incremental' && wanted.length === 0)
      throw new ConfigurationError('Incremental backups can only be listed per instance: pass --instance-id.');
    const backups: ListedBackup[] = [];
    const seen = new Set<string>();
    for (const instanceId of scopes) {
      for await (const b of client.listBackups({ ...base, ...(instanceId ? { instanceId } : {}) })) {
        if (wanted.length > 0 && !wanted.includes(b.instance_id)) continue;
        if (seen.has(b.id)) continue;
        seen.add(b.id);
        backups.push(b);
      }
    }
    return { backups, missingInstances };
  }
}

/** The mirror directory as a store: `{root}/{instance_id}/{backup_id}/`, the lock and manifest at its top. */
function diskStore(
  root: string,
  options: MirrorOptions,
  common: { client: DdsClient; concurrency: number; segmentsPerFile: number },
): MirrorStore {
  return {
    display: root,
    stateDir: root,
    prepare: async () => {
      await mkdir(root, { recursive: true });
    },
    isIntact: (record) => isIntact(root, record),
    remove: (record) => removeLocalCopy(root, record),
    copy: async (job, run) => {
      const result = await downloadBackup({
        ...options.download,
        client: common.client,
        instanceId: job.instanceId,
        backupId: job.backupId,
        dir: join(root, job.dir),
        concurrency: common.concurrency,
        segmentsPerFile: common.segmentsPerFile,
        budget: run.budget,
        // The folder is the mirror's own once it has a record: a file in it that changed since
        // it was verified is a damaged copy to fetch again, not someone else's file.
        force: job.recorded || options.download?.force === true,
        ...engineChecks(options),
        ...(run.signal ? { signal: run.signal } : {}),
        onEvent: run.onEvent,
      });
      return { result, files: await mirroredFiles(result) };
    },
  };
}

/** The engine's verification options, passed only when set. */
function engineChecks(options: MirrorOptions): Partial<DownloadBackupOptions> {
  return {
    ...(options.requireChecksum ? { requireChecksum: true } : {}),
    ...(options.recheck ? { recheck: true } : {}),
  };
}

/** The mirror's record of each file: the engine's hashes and what they checked, plus size and mtime now. */
async function mirroredFiles(result: DownloadResult): Promise<MirroredFile[]> {
  const files: MirroredFile[] = [];
  for (const f of result.files) {
    const st = await stat(f.path);
    files.push({
      name: f.name,
      bytes: st.size,
      mtimeMs: st.mtimeMs,
      sha256: f.sha256,
      md5: f.md5,
      checksum: f.checksum,
    });
  }
  return files;
}

/**
 * Runs `worker` over `items`, `limit` at a time. Unlike the engine's forEachLimit a failure
 * does not stop the others (the worker records it); only the signal stops new starts.
 */
async function runPool<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal | undefined,
  worker: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length && !signal?.aborted) await worker(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function time(value: string | undefined): number {
  const t = value === undefined ? undefined : backupTime(value);
  return t ? t.getTime() : 0;
}

function iso(value: string | undefined): string | undefined {
  const t = value === undefined ? undefined : backupTime(value);
  return t?.toISOString();
}

function endTimeOf(outcome: MirrorBackupOutcome, backups: readonly ListedBackup[]): string {
  const b = backups.find((x) => x.id === outcome.backupId);
  return iso(b?.end_time) ?? new Date(0).toISOString();
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new ConfigurationError(`${name} must be a positive integer, got ${value}.`);
  return value;
}
