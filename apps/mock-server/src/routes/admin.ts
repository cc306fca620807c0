import {
  DEFAULT_REGION,
  ERROR_CODES,
  formatHuaweiTime,
  getOperation,
  HEADER_LC,
  ID_SHAPES,
  isErrorCode,
  isObsErrorCode,
  type MockAdminComponents,
  type MockAdminOperations,
  OBS_ERROR_CODES,
  validateRequest,
} from '@dds-backup/contract';
import { SINGLE_PART_ETAG_MAX_BYTES } from '../content.js';
import type { MockContext, RequestContext } from '../context.js';
import {
  type BackupDef,
  type BackupStrategyDef,
  DEFAULT_KEEP_DAYS,
  type FileDef,
  hexId,
  type InstanceDef,
  sizeInKb,
} from '../dataset.js';
import { jsonResult, type MockErrorCode, mockError } from '../errors.js';
import type { FaultRuleInput } from '../faults.js';
import { datasetFromFixtures, fileDefsFrom } from '../fixtures.js';
import type { CoreResult } from '../http/core.js';
import { objectKey } from '../links.js';

/** The admin API under `/__mock/`, described by openapi/mock-admin.openapi.yaml. */
export const ADMIN_PREFIX = '/__mock/';

/** Admin errors keep the Huawei shape; codes are the mock's own (`MOCK.*`, the admin spec's closed list). */
function adminError(status: number, code: MockErrorCode, message: string, requestId: string): CoreResult {
  return mockError(status, code, message, requestId);
}

const noContent = (requestId: string): CoreResult => ({ status: 204, headers: { [HEADER_LC.XRequestId]: requestId } });

/** The fields of a fault rule, from the admin spec. */
const adminSchemas = getOperation('AddMockFaults').document.components?.schemas as
  | Record<string, { properties?: object }>
  | undefined;
const FAULT_FIELDS = Object.keys(adminSchemas?.FaultRuleFields?.properties ?? {});

/** Parses and validates a JSON body against the admin spec's request schema. */
async function readBody(rc: RequestContext, operationId: string): Promise<{ body: any } | { error: CoreResult }> {
  const raw = (await rc.req.body()).toString('utf8');
  let body: unknown;
  try {
    body = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch {
    return { error: adminError(400, 'MOCK.0400', 'The request body is not valid JSON.', rc.requestId) };
  }
  const check = validateRequest(operationId, { body, query: rc.query(), headers: rc.req.headers() });
  if (!check.valid) {
    const messages = check.issues.map((i) => i.message);
    // `unevaluatedProperties` issues do not name the field: name the unknown fields ourselves.
    if (check.issues.some((i) => i.keyword === 'unevaluatedProperties')) {
      const unknown = [
        ...new Set(
          (Array.isArray(body) ? body : [body]).flatMap((r) => (r && typeof r === 'object' ? Object.keys(r) : [])),
        ),
      ].filter((k) => !FAULT_FIELDS.includes(k));
      if (unknown.length > 0)
        messages.unshift(
          `unknown field(s) ${unknown.map((k) => `\`${k}\``).join(', ')} (known: ${FAULT_FIELDS.join(', ')})`,
        );
    }
    return {
      error: adminError(400, 'MOCK.0400', `Invalid request: ${[...new Set(messages)].join('; ')}.`, rc.requestId),
    };
  }
  return { body };
}

type AdminSchemas = MockAdminComponents['schemas'];

/** An admin `BackupStrategy` (keep_days default 7) as the dataset holds it. */
export const strategyFrom = (s: AdminSchemas['BackupStrategy']): BackupStrategyDef => ({
  startTime: s.start_time,
  keepDays: s.keep_days ?? DEFAULT_KEEP_DAYS,
});

const strategyState = (i: InstanceDef): AdminSchemas['BackupStrategy'] | undefined =>
  i.backupStrategy ? { start_time: i.backupStrategy.startTime, keep_days: i.backupStrategy.keepDays } : undefined;

function clockState(rc: RequestContext): AdminSchemas['Clock'] {
  const now = rc.ns.clock.now();
  return { now: new Date(now).toISOString(), now_unix: Math.floor(now / 1000), frozen: rc.ns.clock.frozen };
}

type HashMode = NonNullable<NonNullable<MockAdminOperations['GetMockState']['parameters']['query']>['hashes']>;

async function fileState(
  ctx: MockContext,
  bucket: string,
  backup: BackupDef,
  f: FileDef,
  hashes: HashMode,
): Promise<AdminSchemas['FileState']> {
  const content = ctx.content(backup.id, f.name, f.sizeBytes);
  const small = f.sizeBytes <= SINGLE_PART_ETAG_MAX_BYTES;
  const h = hashes === 'all' || (hashes === 'small' && small) ? await content.hashes() : content.cachedHashes;
  return {
    name: f.name,
    size_bytes: f.sizeBytes,
    size: sizeInKb(f.sizeBytes),
    md5: h?.md5 ?? null,
    sha256: h?.sha256 ?? null,
    etag: small ? (h ? `"${h.md5}"` : null) : content.multipartEtag(),
    bucket,
    key: objectKey(backup.id, f.name),
    ...(f.groupId !== undefined ? { group_id: f.groupId } : {}),
    ...(f.groupName !== undefined ? { group_name: f.groupName } : {}),
  };
}

async function backupState(
  ctx: MockContext,
  bucket: string,
  instanceId: string,
  b: BackupDef,
  hashes: HashMode,
): Promise<AdminSchemas['BackupState']> {
  return {
    id: b.id,
    name: b.name,
    instance_id: instanceId,
    type: b.type,
    status: b.status,
    begin_time: formatHuaweiTime(new Date(b.beginTime)),
    end_time: formatHuaweiTime(new Date(b.endTime)),
    ...(b.status === 'BUILDING' && b.completesAt !== undefined
      ? { completes_at: formatHuaweiTime(new Date(b.completesAt)) }
      : {}),
    ...(b.description !== undefined ? { description: b.description } : {}),
    size: b.files.reduce((n, f) => n + sizeInKb(f.sizeBytes), 0),
    files: await Promise.all(b.files.map((f) => fileState(ctx, bucket, b, f, hashes))),
  };
}

function defaultsState(ctx: MockContext): AdminSchemas['Defaults'] | null {
  const d = ctx.defaults;
  if (!d) return null;
  return {
    project_id: d.projectId,
    region: d.region,
    replica_set: { instance_id: d.replicaSet.instanceId, backup_id: d.replicaSet.backupId },
    sharded: { instance_id: d.sharded.instanceId, backup_id: d.sharded.backupId },
    large: {
      project_id: d.large.projectId,
      region: d.large.region,
      instance_id: d.large.instanceId,
      backup_id: d.large.backupId,
    },
    empty: { instance_id: d.empty.instanceId },
  };
}

async function getState(ctx: MockContext, rc: RequestContext): Promise<CoreResult> {
  const mode = rc.query().get('hashes') ?? 'small';
  if (mode !== 'small' && mode !== 'all' && mode !== 'none') {
    return adminError(
      400,
      'MOCK.0400',
      'Query parameter `hashes` must be one of "small", "all", "none".',
      rc.requestId,
    );
  }
  const projects: AdminSchemas['ProjectState'][] = [];
  for (const p of rc.ns.projects.values()) {
    const instances: AdminSchemas['InstanceState'][] = [];
    for (const i of p.def.instances) {
      const strategy = strategyState(i);
      instances.push({
        id: i.id,
        name: i.name,
        mode: i.mode,
        ...(strategy ? { backup_strategy: strategy } : {}),
        backups: await Promise.all(i.backups.map((b) => backupState(ctx, p.bucket, i.id, b, mode))),
      });
    }
    projects.push({ id: p.def.id, name: p.def.name, region: p.def.name, bucket: p.bucket, instances });
  }
  return jsonResult(
    200,
    {
      namespace: rc.ns.name,
      seed: ctx.seed,
      link_ttl_seconds: ctx.linkTtlSeconds,
      clock: clockState(rc),
      defaults: defaultsState(ctx),
      projects,
      faults: rc.ns.faults.list(),
    } satisfies AdminSchemas['State'],
    rc.requestId,
  );
}

function parseTime(value: string | number): number | undefined {
  if (typeof value === 'number') return value * 1000;
  // Huawei's +hhmm offset is not understood by Date.parse: add the colon.
  const iso = /[+-]\d{4}$/.test(value) ? `${value.slice(0, -2)}:${value.slice(-2)}` : value;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The mock clock stays between the epoch and 9999-01-01: Huawei's times have 4-digit years, and
 * a year is left for what is dated after "now" (link expiry, token expiry, a backup's end).
 */
export const CLOCK_MIN_MS = 0;
export const CLOCK_MAX_MS = Date.UTC(9999, 0, 1);

async function postClock(rc: RequestContext): Promise<CoreResult> {
  const read = await readBody(rc, 'SetMockClock');
  if ('error' in read) return read.error;
  const b = read.body as AdminSchemas['ClockChange'];
  const clock = rc.ns.clock;
  // Work out where the clock would land first, so a bad value changes nothing (a clock past
  // year 9999 would make every answer's times unwritable).
  let target = clock.now();
  const outOfRange = (field: string) =>
    adminError(
      400,
      'MOCK.0400',
      `Invalid request: \`/${field}\` would move the clock to ${Number.isFinite(target) ? new Date(Math.max(-8.64e15, Math.min(8.64e15, target))).toISOString() : String(target)}, outside 1970-01-01 to 9999-01-01; the clock is unchanged.`,
      rc.requestId,
    );
  if (b.set !== undefined) {
    const ms = parseTime(b.set);
    if (ms === undefined)
      return adminError(
        400,
        'MOCK.0400',
        '`set` must be an ISO 8601 time, a Huawei time or unix seconds.',
        rc.requestId,
      );
    target = ms;
    if (!(target >= CLOCK_MIN_MS && target <= CLOCK_MAX_MS)) return outOfRange('set');
  }
  for (const [field, unit] of [
    ['advance_seconds', 1000],
    ['advance_days', 86_400_000],
  ] as const) {
    const value = b[field];
    if (typeof value !== 'number') continue;
    target += value * unit;
    if (!(target >= CLOCK_MIN_MS && target <= CLOCK_MAX_MS)) return outOfRange(field);
  }
  if (b.set !== undefined || typeof b.advance_seconds === 'number' || typeof b.advance_days === 'number')
    clock.set(target);
  if (b.freeze === true) clock.freeze();
  if (b.unfreeze === true) clock.unfreeze();
  // The days the clock passed happen now, all at once (the handler ticked before the move).
  const schedule = rc.ns.tick();
  return jsonResult(200, { ...clockState(rc), schedule } satisfies AdminSchemas['Clock'], rc.requestId);
}

async function postFaults(rc: RequestContext): Promise<CoreResult> {
  const read = await readBody(rc, 'AddMockFaults');
  if ('error' in read) return read.error;
  const inputs = (Array.isArray(read.body) ? read.body : [read.body]) as FaultRuleInput[];
  for (const f of inputs) {
    if (f === null || typeof f !== 'object' || (f.target !== 'api' && f.target !== 'download')) {
      return adminError(
        400,
        'MOCK.0400',
        'A fault rule needs `target` ("api" or "download") and `kind`.',
        rc.requestId,
      );
    }
    // A code the spec does not document would answer a status and message made up by the mock:
    // refuse it here, naming the codes that exist.
    if (f.target === 'api' && f.error_code !== undefined && !isErrorCode(f.error_code)) {
      return adminError(
        400,
        'MOCK.0400',
        `Invalid request: \`error_code\` ${f.error_code} is not a code of the DDS spec (x-huawei-error-codes): use one of ${ERROR_CODES.join(', ')}.`,
        rc.requestId,
      );
    }
    if (f.target === 'download' && f.error_code !== undefined && !isObsErrorCode(f.error_code)) {
      return adminError(
        400,
        'MOCK.0400',
        `Invalid request: \`error_code\` ${f.error_code} is not an OBS code of obs.openapi.yaml (x-obs-error-codes): use one of ${Object.keys(OBS_ERROR_CODES).join(', ')}.`,
        rc.requestId,
      );
    }
  }
  const added = inputs.map((f) => rc.ns.faults.add(f));
  return jsonResult(201, { faults: added } satisfies AdminSchemas['FaultList'], rc.requestId);
}

async function postBackup(ctx: MockContext, rc: RequestContext): Promise<CoreResult> {
  const read = await readBody(rc, 'AddMockBackup');
  if ('error' in read) return read.error;
  const b = read.body as AdminSchemas['AddBackupRequest'];
  if (!Array.isArray(b.files))
    return adminError(400, 'MOCK.0400', 'The body needs `files`: [{"name", "size_bytes"}].', rc.requestId);
  for (const f of b.files) {
    if (typeof f?.name !== 'string' || f.name === '' || f.name === '.' || f.name === '..') {
      return adminError(
        400,
        'MOCK.0400',
        'Each file needs a `name` other than "", "." and ".." (URLs cannot carry those).',
        rc.requestId,
      );
    }
    if (!Number.isSafeInteger(f.size_bytes) || f.size_bytes < 0) {
      return adminError(
        400,
        'MOCK.0400',
        `File "${f.name}": \`size_bytes\` must be a non-negative integer.`,
        rc.requestId,
      );
    }
  }
  if (new Set(b.files.map((f) => f.name)).size !== b.files.length) {
    return adminError(400, 'MOCK.0400', 'File names must be unique within a backup.', rc.requestId);
  }
  const first = rc.ns.projects.values().next().value;
  const projectId = b.project_id ?? first?.def.id ?? hexId(ctx.seed, 'project');
  const region = b.region ?? rc.ns.projects.get(projectId)?.def.name ?? first?.def.name ?? DEFAULT_REGION;
  const n = rc.ns.nextAddedBackup();
  const instanceId = b.instance_id ?? `${hexId(ctx.seed, `added-instance:${n}`)}${ID_SHAPES.instance.suffix}`;
  const backupId = b.backup_id ?? `${hexId(ctx.seed, `added-backup:${n}`)}${ID_SHAPES.backup.suffix}`;
  const now = rc.ns.clock.now();
  const times: Record<'begin_time' | 'end_time', number | undefined> = { begin_time: undefined, end_time: undefined };
  for (const key of ['begin_time', 'end_time'] as const) {
    const value = b[key];
    if (value === undefined) continue;
    times[key] = parseTime(value);
    const t = times[key];
    if (t === undefined || t < CLOCK_MIN_MS || t > CLOCK_MAX_MS)
      return adminError(
        400,
        'MOCK.0400',
        `\`${key}\` must be an RFC 3339 or a Huawei time between 1970-01-01 and 9999-01-01.`,
        rc.requestId,
      );
  }
  const building = b.building_seconds !== undefined;
  const endTime = building ? now + b.building_seconds! * 1000 : (times.end_time ?? now);
  const beginTime = times.begin_time ?? (building ? now : endTime - 60_000);
  if (endTime < beginTime) return adminError(400, 'MOCK.0400', '`end_time` is before `begin_time`.', rc.requestId);
  const backup: BackupDef = {
    id: backupId,
    name: b.name ?? `added-backup-${n}`,
    type: b.type ?? 'manual',
    status: building ? 'BUILDING' : (b.status ?? 'COMPLETED'),
    beginTime,
    endTime,
    ...(building ? { completesAt: endTime } : {}),
    ...(b.description !== undefined ? { description: b.description } : {}),
    files: fileDefsFrom(b.files),
  };
  const instance: Partial<InstanceDef> = {};
  if (b.backup_strategy) instance.backupStrategy = strategyFrom(b.backup_strategy);
  if (b.datastore) instance.datastore = { ...b.datastore };
  rc.ns.addBackup({
    projectId,
    region,
    instanceId,
    instanceName: b.instance_name,
    mode: b.instance_mode,
    instance,
    backup,
  });
  const project = rc.ns.projects.get(projectId)!;
  return jsonResult(
    201,
    {
      project_id: projectId,
      bucket: project.bucket,
      backup: await backupState(ctx, project.bucket, instanceId, backup, 'small'),
    } satisfies AdminSchemas['AddBackupResponse'],
    rc.requestId,
  );
}

async function postFixtures(ctx: MockContext, rc: RequestContext): Promise<CoreResult> {
  const read = await readBody(rc, 'LoadMockFixtures');
  if ('error' in read) return read.error;
  try {
    rc.ns.replaceDataset(datasetFromFixtures(read.body, ctx.seed, 'fixtures'));
  } catch (e) {
    return adminError(400, 'MOCK.0400', (e as Error).message, rc.requestId);
  }
  return noContent(rc.requestId);
}

/** Dispatches `/__mock/*`; undefined for an unknown admin route (the caller answers APIGW.0101). */
export async function handleAdmin(ctx: MockContext, rc: RequestContext): Promise<CoreResult | undefined> {
  const route = `${rc.req.method} ${rc.req.path.slice(ADMIN_PREFIX.length)}`;
  switch (route) {
    case 'GET state':
      return getState(ctx, rc);
    case 'POST reset':
      rc.ns.reset();
      return noContent(rc.requestId);
    case 'POST clock':
      return postClock(rc);
    case 'GET clock':
      return jsonResult(200, clockState(rc), rc.requestId);
    case 'GET faults':
      return jsonResult(200, { faults: rc.ns.faults.list() }, rc.requestId);
    case 'POST faults':
      return postFaults(rc);
    case 'DELETE faults':
      rc.ns.faults.clear();
      return noContent(rc.requestId);
    case 'POST backups':
      return postBackup(ctx, rc);
    case 'POST fixtures':
      return postFixtures(ctx, rc);
    case 'GET requests':
      return jsonResult(200, rc.ns.journal.list(), rc.requestId);
    case 'DELETE requests':
      rc.ns.journal.clear();
      return noContent(rc.requestId);
    case 'GET violations':
      return jsonResult(200, rc.ns.violations.list(), rc.requestId);
    case 'DELETE violations':
      rc.ns.violations.clear();
      return noContent(rc.requestId);
    default:
      return undefined;
  }
}
