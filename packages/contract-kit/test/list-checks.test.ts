// The list checks (ListBackups, ListInstances) against the mock, and against servers that each
// break one thing of the list operations: the mock behind a fetch wrapper.
import type { FetchLike } from '@dds-backup/client';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../src/index.js';
import { newMock, rebuild, suiteOptions } from './helpers.js';

type Break = (inner: FetchLike) => FetchLike;
const isList = (req: Request, what: 'backups' | 'instances') => new URL(req.url).pathname.endsWith(`/${what}`);

/** The request with one query parameter removed (a server that ignores it). */
const without = (req: Request, name: string) => {
  const url = new URL(req.url);
  url.searchParams.delete(name);
  return new Request(url, req);
};

const cases: Array<{ defect: string; wrap: Break; failed: string[]; reason: RegExp }> = [
  {
    defect: 'ListBackups ignores offset (every page is the first)',
    wrap: (inner) => (req) => inner(isList(req, 'backups') ? without(req, 'offset') : req),
    failed: ['list-backups.paging'],
    reason: /is on the page at offset 0 and again at offset \d+/,
  },
  {
    defect: 'ListBackups counts one backup too many',
    wrap: (inner) => async (req) => {
      const res = await inner(req);
      if (!isList(req, 'backups') || res.status !== 200) return res;
      return rebuild(res, { json: (b) => ({ ...b, total_count: b.total_count + 1 }) });
    },
    failed: ['list-backups.paging', 'list-backups.filter.backup'],
    reason: /items, expected \d+ of \d+/,
  },
  {
    defect: 'ListBackups ignores instance_id',
    wrap: (inner) => (req) => inner(isList(req, 'backups') ? without(req, 'instance_id') : req),
    failed: ['list-backups.filter.instance', 'list-backups.unknown-instance'],
    reason: /also listed \d+ backup\(s\) of other instances/,
  },
  {
    defect: 'ListBackups clamps limit=101 instead of refusing it',
    wrap: (inner) => (req) => {
      if (!isList(req, 'backups') || new URL(req.url).searchParams.get('limit') !== '101') return inner(req);
      const url = new URL(req.url);
      url.searchParams.set('limit', '100');
      return inner(new Request(url, req));
    },
    failed: ['list-backups.limit-out-of-range'],
    reason: /expected 400 DBS\.200001 \(spec example 400 bad-limit\); got 200 \(the server accepted the call\)/,
  },
  {
    defect: 'ListInstances ignores id',
    wrap: (inner) => (req) => inner(isList(req, 'instances') ? without(req, 'id') : req),
    failed: ['list-instances.filter.id'],
    reason: /^id=\w+: listed \[\w+, \w+, \w+\] with total_count 3; expected that instance alone$/,
  },
  {
    defect: 'ListInstances answers a field of the wrong type',
    wrap: (inner) => async (req) => {
      const res = await inner(req);
      if (!isList(req, 'instances') || res.status !== 200) return res;
      return rebuild(res, { json: (b) => ({ ...b, total_count: String(b.total_count) }) });
    },
    failed: ['list-instances.page', 'list-instances.paging', 'list-instances.filter.id'],
    reason: /answered 200, not as documented:\n {2}\/total_count: must be of type integer/,
  },
];

describe('the list checks', () => {
  it('pass against the mock, for the sharded and the replica-set instance', async () => {
    const mock = newMock();
    for (const backup of [mock.defaults.sharded, mock.defaults.replicaSet]) {
      const report = await runConformance({ ...suiteOptions(mock), ...backup });
      const list = report.checks.filter((c) => c.name.startsWith('list-'));
      expect(list).toHaveLength(14);
      expect(list.filter((c) => !c.ok)).toEqual([]);
    }
    const report = await runConformance(suiteOptions(mock));
    const reasons = Object.fromEntries(report.checks.map((c) => [c.name, c.reason]));
    expect(reasons['list-backups.page']).toMatch(/^200 with \d+ backups, total_count \d+$/);
    expect(reasons['list-backups.paging']).toMatch(
      /^\d page\(s\) of \d+: \d+ distinct backups, all \d+, then an empty page$/,
    );
    expect(reasons['list-instances.paging']).toBe('3 page(s) of 1: 3 distinct instances, all 3, then an empty page');
  });

  it.each(cases)('$defect: only $failed fail, saying so', async ({ wrap, failed, reason }) => {
    const mock = newMock();
    const report = await runConformance(suiteOptions(mock, wrap(mock.fetch)));
    const bad = report.checks.filter((c) => !c.ok);
    expect(bad.map((c) => c.name)).toEqual(failed);
    expect(bad[0]!.reason).toMatch(reason);
  });
});
