import {
  ERROR_CODES,
  formatHuaweiUtcTime,
  formatIssues,
  getOperation,
  isErrorCode,
  listBackupsExamples,
  listInstancesExamples,
  operationErrorCodes,
  parseHuaweiUtcTime,
  validateRequest,
  validateResponse,
} from '@dds-backup/contract';
import { describe, expect, it } from 'vitest';

const PROJECT = { project_id: '0549b4a43100d4f32f51c01c2fe4acdb' };
const listBackups = (query: Record<string, string>) => validateRequest('ListBackups', { path: PROJECT, query });

describe('ListBackups and ListInstances answers', () => {
  it('accept every named example of every documented status', () => {
    for (const [op, examples] of [
      ['ListBackups', listBackupsExamples],
      ['ListInstances', listInstancesExamples],
    ] as const) {
      for (const [status, named] of Object.entries(examples)) {
        for (const [name, body] of Object.entries(named)) {
          const r = validateResponse(op, status, body);
          expect(r, `${op} ${status} ${name}: ${formatIssues(r.issues)}`).toEqual({ valid: true, issues: [] });
        }
      }
    }
  });

  const backup = () => structuredClone(listBackupsExamples['200']['two-backups']) as any;
  it.each([
    [
      'an RFC 3339 time with offset',
      (b: any) => (b.backups[0].end_time = '2025-11-28T02:07:00+00:00'),
      '/backups/0/end_time',
    ],
    ['the answer spelling Auto', (b: any) => (b.backups[0].type = 'Auto'), '/backups/0/type'],
    ['an unknown status', (b: any) => (b.backups[0].status = 'PAUSED'), '/backups/0/status'],
    ['a missing total_count', (b: any) => delete b.total_count, ''],
    ['an extra backup field', (b: any) => (b.backups[0].md5 = 'x'), '/backups/0'],
  ])('a backup list with %s is a contract violation', (_, mutate, path) => {
    const body = backup();
    mutate(body);
    const r = validateResponse('ListBackups', 200, body);
    expect(r.valid).toBe(false);
    expect(r.issues.map((i) => i.path)).toContain(path);
  });

  it('accepts both DISABLED (docs) and DELETING (SDK), and the T…Z time form', () => {
    const body = backup();
    body.backups[0].status = 'DISABLED';
    body.backups[1].status = 'DELETING';
    body.backups[1].begin_time = '2025-11-27T15:30:00Z';
    expect(validateResponse('ListBackups', 200, body).valid).toBe(true);
  });

  it('an instance may carry fields the spec does not name; port and keep_days as number or digit string', () => {
    const body = structuredClone(listInstancesExamples['200']['two-instances']) as any;
    body.instances[0].pay_mode = '0';
    body.instances[0].port = '8635';
    body.instances[1].backup_strategy.keep_days = 732;
    expect(validateResponse('ListInstances', 200, body).valid).toBe(true);
    body.instances[1].backup_strategy.keep_days = 0;
    body.instances[0].port = 'eighty';
    const paths = validateResponse('ListInstances', 200, body).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['/instances/1/backup_strategy/keep_days', '/instances/0/port']));
  });
});

describe('ListBackups requests', () => {
  it('accepts no parameter at all, and a full filter', () => {
    expect(listBackups({}).valid).toBe(true);
    const full = {
      instance_id: '9136fd2a9fcd405ea4674276ce36dae8in02',
      backup_type: 'Incremental',
      offset: '200',
      limit: '100',
      begin_time: '2025-11-21 00:00:00',
      end_time: '2025-11-28T23:59:59Z',
      mode: 'Sharding',
    };
    expect(listBackups(full)).toEqual({ valid: true, issues: [] });
  });

  it.each([
    ['limit=0', { limit: '0' }, 'query.limit', 'must be >= 1'],
    ['limit=101', { limit: '101' }, 'query.limit', 'must be <= 100'],
    ['limit=ten', { limit: 'ten' }, 'query.limit', 'must be of type integer'],
    ['limit=1.5', { limit: '1.5' }, 'query.limit', 'must be of type integer'],
    ['offset=-1', { offset: '-1' }, 'query.offset', 'must be >= 0'],
    ['offset beyond int32', { offset: '2147483648' }, 'query.offset', 'must be <= 2147483647'],
    ['the answer spelling auto', { backup_type: 'auto' }, 'query.backup_type', 'must be one of "Auto"'],
    [
      'a time with an offset',
      { begin_time: '2025-11-21T00:00:00+0800', end_time: '2025-11-22 00:00:00' },
      'query.begin_time',
      'must match',
    ],
    ['begin_time alone', { begin_time: '2025-11-21 00:00:00' }, 'query.end_time', '`begin_time` needs `end_time`'],
    ['end_time alone', { end_time: '2025-11-21 00:00:00' }, 'query.begin_time', '`end_time` needs `begin_time`'],
    [
      'Incremental without instance_id',
      { backup_type: 'Incremental' },
      'query.instance_id',
      '`backup_type=Incremental` needs `instance_id`',
    ],
  ])('refuses %s, naming the parameter', (_, query, path, message) => {
    const r = listBackups(query as Record<string, string>);
    expect(r.valid).toBe(false);
    expect(r.issues).toContainEqual(expect.objectContaining({ path, message: expect.stringContaining(message) }));
  });

  it('Auto without instance_id is fine: only Incremental needs it', () => {
    expect(listBackups({ backup_type: 'Auto' }).valid).toBe(true);
  });
});

describe('ListInstances requests', () => {
  const listInstances = (query: Record<string, string>) => validateRequest('ListInstances', { path: PROJECT, query });
  it.each([
    ['a fuzzy name', { name: '*demo' }],
    ['twenty tags', { tags: Array.from({ length: 20 }, (_, i) => `k${i}=v`).join(',') }],
    ['an empty tag value', { tags: 'env=' }],
  ])('accepts %s', (_, query) => {
    expect(listInstances(query)).toEqual({ valid: true, issues: [] });
  });
  it.each([
    ['21 tags', { tags: Array.from({ length: 21 }, (_, i) => `k${i}=v`).join(',') }, 'query.tags'],
    ['a tag without =', { tags: 'env' }, 'query.tags'],
    ['an unknown mode', { mode: 'Cluster' }, 'query.mode'],
    ['an unknown datastore', { datastore_type: 'MongoDB' }, 'query.datastore_type'],
  ])('refuses %s', (_, query, path) => {
    expect(listInstances(query).issues.map((i) => i.path)).toContain(path);
  });
});

describe('paging and error codes from the spec', () => {
  it('both list operations page by offset/limit against total_count, 100 at most', () => {
    for (const [op, items] of [
      ['ListBackups', 'backups'],
      ['ListInstances', 'instances'],
    ] as const) {
      expect(getOperation(op).paging).toEqual({
        style: 'offset-limit',
        offset: 'offset',
        limit: 'limit',
        items,
        total: 'total_count',
        defaultLimit: 100,
        maxLimit: 100,
      });
    }
    expect(getOperation('ShowBackupDownloadLink').paging).toBeUndefined();
  });

  it('every operation lists only documented codes, and the links of a BUILDING backup are DBS.280124', () => {
    for (const codes of Object.values(operationErrorCodes)) for (const c of codes) expect(isErrorCode(c)).toBe(true);
    expect(operationErrorCodes.ShowBackupDownloadLink).toContain('DBS.280124');
    expect(operationErrorCodes.ListBackups).not.toContain('DBS.201214');
    expect(ERROR_CODES).toContain('APIGW.0308');
    expect(isErrorCode('DBS.999999')).toBe(false);
  });
});

describe('Huawei UTC times (the list operations)', () => {
  it('reads both forms, writes the space form', () => {
    const t = Date.UTC(2025, 10, 28, 2, 0, 0);
    expect(parseHuaweiUtcTime('2025-11-28 02:00:00').getTime()).toBe(t);
    expect(parseHuaweiUtcTime('2025-11-28T02:00:00Z').getTime()).toBe(t);
    expect(formatHuaweiUtcTime(new Date(t + 999))).toBe('2025-11-28 02:00:00');
  });
  it.each(['2025-02-30 00:00:00', '2025-11-28 02:00', '2025-11-28T02:00:00+0000', '2025-11-28 24:00:00'])(
    'refuses %s',
    (v) => {
      expect(() => parseHuaweiUtcTime(v)).toThrow(/is not a Huawei UTC time: expected yyyy-mm-dd hh:mm:ss/);
    },
  );
});
