import { getOperation, type OperationInfo, type operations, type PagingInfo } from '@dds-backup/contract';
import { checkConforms } from '../assert-conforms.js';
import { formatConformanceIssues } from '../conformance-issue.js';
import { expectedError, unknownIdFor } from '../spec-facts.js';
import { type CheckResult, describeError, fail, pass, since, skip } from './check.js';
import { callWithCredentials, callWithout, type SuiteContext } from './context.js';
import { type NegativeCase, runNegativeCase } from './negative.js';

export const LIST_BACKUPS = 'ListBackups' satisfies keyof operations;
export const LIST_INSTANCES = 'ListInstances' satisfies keyof operations;

type BackupsQuery = NonNullable<operations[typeof LIST_BACKUPS]['parameters']['query']>;
type InstancesQuery = NonNullable<operations[typeof LIST_INSTANCES]['parameters']['query']>;
// Parameter names of the spec, tied to the generated types: a rename in the spec breaks this build.
const P = {
  instanceId: 'instance_id' satisfies keyof BackupsQuery,
  backupId: 'backup_id' satisfies keyof BackupsQuery,
  beginTime: 'begin_time' satisfies keyof BackupsQuery,
  endTime: 'end_time' satisfies keyof BackupsQuery,
  id: 'id' satisfies keyof InstancesQuery,
} as const;

/** How many pages a paging check walks at most (a real project can have thousands of backups). */
export const MAX_PAGES = 20;

/** The list checks, in the order they run. */
export const LIST_CHECKS = [
  'list-backups.page',
  'list-backups.paging',
  'list-backups.filter.instance',
  'list-backups.filter.backup',
  'list-backups.filter.time',
  'list-backups.limit-out-of-range',
  'list-backups.unpaired-time',
  'list-backups.unknown-instance',
  'list-backups.no-credentials',
  'list-instances.page',
  'list-instances.paging',
  'list-instances.filter.id',
  'list-instances.limit-out-of-range',
  'list-instances.no-credentials',
] as const;
export type ListCheckName = (typeof LIST_CHECKS)[number];

/** What each list check verifies (for `listChecks()` and the README table). */
export function listCheckDescriptions(): Record<ListCheckName, string> {
  const negative = (c: NegativeCase) => `${c.description}: ${c.expected.status} ${c.expected.codes.join(' or ')}`;
  const [backupsLimit, unpaired, unknownInstance, backupsNoCredentials] = backupNegatives();
  const [instancesLimit, instancesNoCredentials] = instanceNegatives();
  const max = getOperation(LIST_BACKUPS).paging!.maxLimit;
  return {
    'list-backups.page': `ListBackups of the project answers 200, valid against the spec, at most ${max} backups and total_count`,
    'list-backups.paging':
      'pages of offset/limit list every backup once, each page within its limit, the same total_count on every page, and an empty page past the end',
    'list-backups.filter.instance': 'instance_id lists only that instance, the suite backup among them',
    'list-backups.filter.backup': 'backup_id (with instance_id) lists exactly that backup',
    'list-backups.filter.time':
      "begin_time = end_time = the backup's begin_time lists it, and only backups that began then",
    'list-backups.limit-out-of-range': negative(backupsLimit!),
    'list-backups.unpaired-time': negative(unpaired!),
    'list-backups.unknown-instance': negative(unknownInstance!),
    'list-backups.no-credentials': negative(backupsNoCredentials!),
    'list-instances.page': `ListInstances of the project answers 200, valid against the spec, at most ${max} instances and total_count`,
    'list-instances.paging':
      'pages of offset/limit list every instance once, each page within its limit, the same total_count on every page, and an empty page past the end',
    'list-instances.filter.id': 'id lists exactly the suite instance',
    'list-instances.limit-out-of-range': negative(instancesLimit!),
    'list-instances.no-credentials': negative(instancesNoCredentials!),
  };
}

function backupNegatives(): NegativeCase[] {
  const op = LIST_BACKUPS;
  return [
    {
      name: 'list-backups.limit-out-of-range',
      description: `\`limit\` one above the spec's maximum (${getOperation(op).paging!.maxLimit + 1})`,
      expected: expectedError(['bad-limit'], op),
      call: (ctx) =>
        callWithCredentials(ctx, { project_id: ctx.values.project_id, limit: String(ctx.op.paging!.maxLimit + 1) }),
    },
    {
      name: 'list-backups.unpaired-time',
      description: '`begin_time` without `end_time`',
      expected: expectedError(['time-filter-unpaired'], op),
      call: (ctx) => callWithCredentials(ctx, { project_id: ctx.values.project_id, begin_time: '2020-01-01 00:00:00' }),
    },
    {
      name: 'list-backups.unknown-instance',
      description: 'an `instance_id` no server knows',
      expected: expectedError(['instance-not-found'], op),
      call: (ctx) =>
        callWithCredentials(ctx, { project_id: ctx.values.project_id, instance_id: unknownIdFor(P.instanceId, op) }),
    },
    {
      name: 'list-backups.no-credentials',
      description: 'ListBackups with no credentials',
      expected: expectedError(['token-missing'], op),
      call: (ctx) => callWithout(ctx, { project_id: ctx.values.project_id }),
    },
  ];
}

function instanceNegatives(): NegativeCase[] {
  const op = LIST_INSTANCES;
  return [
    {
      name: 'list-instances.limit-out-of-range',
      description: `\`limit\` one above the spec's maximum (${getOperation(op).paging!.maxLimit + 1})`,
      expected: expectedError(['bad-limit'], op),
      call: (ctx) =>
        callWithCredentials(ctx, { project_id: ctx.values.project_id, limit: String(ctx.op.paging!.maxLimit + 1) }),
    },
    {
      name: 'list-instances.no-credentials',
      description: 'ListInstances with no credentials',
      expected: expectedError(['token-missing'], op),
      call: (ctx) => callWithout(ctx, { project_id: ctx.values.project_id }),
    },
  ];
}

/** One page as the checks see it: conforming or not, its items and total. */
interface Page {
  status: number;
  issues: string;
  items: Array<Record<string, unknown>>;
  total: number | undefined;
  durationMs: number;
}

async function fetchPage(ctx: SuiteContext, values: Record<string, string>): Promise<Page> {
  const paging = ctx.op.paging as PagingInfo;
  const start = performance.now();
  const result = await callWithCredentials(ctx, { project_id: ctx.values.project_id!, ...values });
  const durationMs = since(start);
  const conformance = await checkConforms(ctx.op.operationId, result, { status: 200 });
  const body = conformance.body as Record<string, unknown> | undefined;
  const items = Array.isArray(body?.[paging.items]) ? (body[paging.items] as Array<Record<string, unknown>>) : [];
  const total = typeof body?.[paging.total] === 'number' ? (body[paging.total] as number) : undefined;
  return {
    status: conformance.status,
    issues: conformance.ok ? '' : formatConformanceIssues(conformance.issues),
    items,
    total,
    durationMs,
  };
}

const describePage = (values: Record<string, string>) =>
  Object.keys(values).length === 0
    ? 'the first page'
    : Object.entries(values)
        .map(([k, v]) => `${k}=${v}`)
        .join('&');

/** Fetches a page and turns a non-conforming answer into a failure of `name`. */
async function pageOrFail(
  ctx: SuiteContext,
  name: string,
  values: Record<string, string>,
): Promise<{ page: Page } | { failed: CheckResult }> {
  let page: Page;
  const start = performance.now();
  try {
    page = await fetchPage(ctx, values);
  } catch (error) {
    return { failed: fail(name, `${describePage(values)}: the call failed: ${describeError(error)}`, since(start)) };
  }
  if (page.issues) {
    return {
      failed: fail(
        name,
        `${describePage(values)} answered ${page.status}, not as documented:\n${page.issues}`,
        page.durationMs,
      ),
    };
  }
  return { page };
}

/** The page check: the first page conforms, holds at most `maxLimit` items and no more than total_count. */
async function pageCheck(ctx: SuiteContext, name: string): Promise<{ result: CheckResult; total?: number }> {
  const paging = ctx.op.paging!;
  const got = await pageOrFail(ctx, name, {});
  if ('failed' in got) return { result: got.failed };
  const { page } = got;
  if (page.items.length > paging.maxLimit || page.total === undefined || page.items.length > page.total) {
    return {
      result: fail(
        name,
        `the first page has ${page.items.length} ${paging.items} and ${paging.total} ${page.total}: expected at most ${paging.maxLimit}, and no more than ${paging.total}`,
        page.durationMs,
      ),
    };
  }
  return {
    result: pass(name, `200 with ${page.items.length} ${paging.items}, ${paging.total} ${page.total}`, page.durationMs),
    total: page.total,
  };
}

/**
 * The paging check: walks pages of a size that takes about three pages (bounded by MAX_PAGES),
 * and asks for the page just past the end.
 */
async function pagingCheck(ctx: SuiteContext, name: string, total: number | undefined): Promise<CheckResult> {
  const paging = ctx.op.paging!;
  if (total === undefined) return skip(name, 'the first page did not answer a total_count');
  const size = Math.max(1, Math.min(paging.maxLimit, Math.ceil(total / 3)));
  const seen = new Map<string, number>();
  const problems: string[] = [];
  let durationMs = 0;
  let offset = 0;
  let pages = 0;
  for (; offset < total && pages < MAX_PAGES; offset += size, pages++) {
    const values = { [paging.offset]: String(offset), [paging.limit]: String(size) };
    const got = await pageOrFail(ctx, name, values);
    if ('failed' in got) return got.failed;
    const { page } = got;
    durationMs += page.durationMs;
    if (page.total !== total)
      problems.push(`${describePage(values)}: ${paging.total} ${page.total}, the first page said ${total}`);
    if (page.items.length > size)
      problems.push(`${describePage(values)}: ${page.items.length} items, more than the limit ${size}`);
    const expected = Math.min(size, total - offset);
    if (page.items.length !== expected)
      problems.push(`${describePage(values)}: ${page.items.length} items, expected ${expected} of ${total}`);
    for (const item of page.items) {
      const id = String(item.id);
      if (seen.has(id)) problems.push(`${id} is on the page at offset ${seen.get(id)} and again at offset ${offset}`);
      else seen.set(id, offset);
    }
  }
  const walkedAll = offset >= total;
  if (walkedAll) {
    const values = { [paging.offset]: String(total), [paging.limit]: String(size) };
    const got = await pageOrFail(ctx, name, values);
    if ('failed' in got) return got.failed;
    durationMs += got.page.durationMs;
    if (got.page.items.length !== 0 || got.page.total !== total)
      problems.push(
        `the page past the end (${describePage(values)}) has ${got.page.items.length} items and ${paging.total} ${got.page.total}: expected none and ${total}`,
      );
  }
  if (problems.length) return fail(name, problems.join('\n'), durationMs);
  return pass(
    name,
    `${pages} page(s) of ${size}: ${seen.size} distinct ${paging.items}${walkedAll ? `, all ${total}` : ` (the first ${MAX_PAGES} pages of ${total})`}, then an empty page`,
    durationMs,
  );
}

/** Finds the suite's backup by walking the instance's pages (at most MAX_PAGES of the maximum size). */
async function instanceBackups(
  ctx: SuiteContext,
  name: string,
): Promise<{ failed: CheckResult } | { items: Array<Record<string, unknown>>; durationMs: number; total: number }> {
  const paging = ctx.op.paging!;
  const items: Array<Record<string, unknown>> = [];
  let durationMs = 0;
  let total = 0;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const values = {
      [P.instanceId]: ctx.values.instance_id!,
      [paging.offset]: String(pages * paging.maxLimit),
      [paging.limit]: String(paging.maxLimit),
    };
    const got = await pageOrFail(ctx, name, values);
    if ('failed' in got) return got;
    durationMs += got.page.durationMs;
    total = got.page.total ?? 0;
    items.push(...got.page.items);
    if (items.some((b) => b.id === ctx.values.backup_id) || got.page.items.length < paging.maxLimit) break;
  }
  return { items, durationMs, total };
}

async function backupFilterChecks(ctx: SuiteContext): Promise<CheckResult[]> {
  const instanceId = ctx.values.instance_id!;
  const backupId = ctx.values.backup_id!;
  const out: CheckResult[] = [];

  const byInstance = await instanceBackups(ctx, 'list-backups.filter.instance');
  let backup: Record<string, unknown> | undefined;
  if ('failed' in byInstance) out.push(byInstance.failed);
  else {
    const others = byInstance.items.filter((b) => b.instance_id !== instanceId);
    backup = byInstance.items.find((b) => b.id === backupId);
    out.push(
      others.length
        ? fail(
            'list-backups.filter.instance',
            `instance_id=${instanceId} also listed ${others.length} backup(s) of other instances (${others.map((b) => b.id).join(', ')})`,
            byInstance.durationMs,
          )
        : !backup
          ? fail(
              'list-backups.filter.instance',
              `instance_id=${instanceId} listed ${byInstance.total} backup(s), not the suite's backup ${backupId} (is it a full backup of that instance?)`,
              byInstance.durationMs,
            )
          : pass(
              'list-backups.filter.instance',
              `instance_id=${instanceId}: ${byInstance.total} backup(s) of that instance only, ${backupId} among them`,
              byInstance.durationMs,
            ),
    );
  }

  const one = await pageOrFail(ctx, 'list-backups.filter.backup', {
    [P.instanceId]: instanceId,
    [P.backupId]: backupId,
  });
  if ('failed' in one) out.push(one.failed);
  else {
    const ids = one.page.items.map((b) => b.id);
    out.push(
      ids.length === 1 && ids[0] === backupId && one.page.total === 1
        ? pass(
            'list-backups.filter.backup',
            `backup_id=${backupId}: that backup alone, total_count 1`,
            one.page.durationMs,
          )
        : fail(
            'list-backups.filter.backup',
            `backup_id=${backupId}: listed [${ids.join(', ')}] with total_count ${one.page.total}; expected that backup alone`,
            one.page.durationMs,
          ),
    );
  }

  const begin = backup?.begin_time;
  if (typeof begin !== 'string') {
    out.push(skip('list-backups.filter.time', "the suite's backup was not listed, so its begin_time is unknown"));
    return out;
  }
  const window = { [P.beginTime]: begin, [P.endTime]: begin };
  const timed = await pageOrFail(ctx, 'list-backups.filter.time', window);
  if ('failed' in timed) out.push(timed.failed);
  else {
    const outside = timed.page.items.filter((b) => b.begin_time !== begin);
    const found = timed.page.items.some((b) => b.id === backupId);
    out.push(
      found && outside.length === 0
        ? pass(
            'list-backups.filter.time',
            `${describePage(window)}: ${timed.page.items.length} backup(s), ${backupId} among them`,
            timed.page.durationMs,
          )
        : fail(
            'list-backups.filter.time',
            `${describePage(window)}: ${found ? '' : `${backupId} is missing`}${!found && outside.length ? '; ' : ''}${outside.length ? `${outside.length} backup(s) began at another time (${outside.map((b) => `${b.id} ${b.begin_time}`).join(', ')})` : ''}`,
            timed.page.durationMs,
          ),
    );
  }
  return out;
}

async function instanceFilterCheck(ctx: SuiteContext): Promise<CheckResult> {
  const name = 'list-instances.filter.id';
  const instanceId = ctx.values.instance_id!;
  const got = await pageOrFail(ctx, name, { [P.id]: instanceId });
  if ('failed' in got) return got.failed;
  const ids = got.page.items.map((i) => i.id);
  return ids.length === 1 && ids[0] === instanceId && got.page.total === 1
    ? pass(name, `id=${instanceId}: that instance alone, total_count 1`, got.page.durationMs)
    : fail(
        name,
        `id=${instanceId}: listed [${ids.join(', ')}] with total_count ${got.page.total}; expected that instance alone`,
        got.page.durationMs,
      );
}

const forOperation = (ctx: SuiteContext, op: OperationInfo): SuiteContext => ({ ...ctx, op });

/**
 * The checks of the two list operations, against the suite's project, instance and backup:
 * a conforming first page, paging that lists every item once, the filters, and the negative
 * calls whose statuses and codes come from the spec's examples.
 */
export async function listOperationChecks(ctx: SuiteContext): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const backups = forOperation(ctx, getOperation(LIST_BACKUPS));
  const page = await pageCheck(backups, 'list-backups.page');
  out.push(page.result);
  out.push(await pagingCheck(backups, 'list-backups.paging', page.total));
  out.push(...(await backupFilterChecks(backups)));
  for (const c of backupNegatives()) out.push(await runNegativeCase(backups, c));

  const instances = forOperation(ctx, getOperation(LIST_INSTANCES));
  const first = await pageCheck(instances, 'list-instances.page');
  out.push(first.result);
  out.push(await pagingCheck(instances, 'list-instances.paging', first.total));
  out.push(await instanceFilterCheck(instances));
  for (const c of instanceNegatives()) out.push(await runNegativeCase(instances, c));
  return out;
}
