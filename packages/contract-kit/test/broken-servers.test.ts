// The suite against servers that each break exactly one thing: the mock behind a fetch wrapper.
// Each must fail exactly the check that names the defect, with a message that says what is wrong.
import type { FetchLike } from '@dds-backup/client';
import { formatHuaweiTime, LINK_TTL_SECONDS, parseHuaweiTime } from '@dds-backup/contract';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../src/index.js';
import { expectedError } from '../src/spec-facts.js';
import { isApiCall, isDownload, newMock, rebuild, suiteOptions } from './helpers.js';

type Break = (inner: FetchLike) => FetchLike;

const backupNotFound = expectedError(['backup-not-found']).codes[0]!;
const invalidBackup = expectedError(['invalid-backup']).codes[0]!;

const cases: Array<{ defect: string; wrap: Break; check: string; reason: RegExp }> = [
  {
    defect: 'the 200 answer lacks X-Request-Id',
    wrap: (inner) => async (req) => {
      const res = await inner(req);
      return isApiCall(req) && res.status === 200 ? rebuild(res, { headers: (h) => h.delete('x-request-id') }) : res;
    },
    check: 'positive.headers',
    reason: /^response header `X-Request-Id` is missing \(declared by the spec for 200\)$/,
  },
  {
    defect: `links expire an hour after issue instead of ${LINK_TTL_SECONDS} s`,
    wrap: (inner) => async (req) => {
      const res = await inner(req);
      if (!isApiCall(req) || res.status !== 200) return res;
      return rebuild(res, {
        json: (body) => {
          for (const f of body.files) {
            const issued = parseHuaweiTime(f.link_expired_time).getTime() - LINK_TTL_SECONDS * 1000;
            f.link_expired_time = formatHuaweiTime(new Date(issued + 3600_000), 480);
          }
          return body;
        },
      });
    },
    check: 'positive.link-expiry',
    reason: new RegExp(
      `^files\\[0\\] \\([^)]+\\): link_expired_time \\S+\\+0800 is 3[56]\\d\\d s after the local clock \\(the answer has no Date header\\); expected ${LINK_TTL_SECONDS} s \\(x-link-ttl-seconds\\) ± 60 s`,
    ),
  },
  {
    defect: 'a missing backup_id answers 404 instead of 400',
    wrap: (inner) => async (req) => {
      const res = await inner(req);
      return isApiCall(req) && !new URL(req.url).searchParams.has('backup_id') ? rebuild(res, { status: 404 }) : res;
    },
    check: 'missing-parameter.backup_id',
    reason:
      /^the query parameter `backup_id` left out: expected 400 DBS\.200001 \(spec example 400 parameter-error\); got 404 DBS\.200001:\n {2}status: must be 400; got 404$/,
  },
  {
    defect: `an unknown backup answers ${invalidBackup} instead of ${backupNotFound}`,
    wrap: (inner) => async (req) => {
      const res = await inner(req);
      if (!isApiCall(req) || res.status !== 400) return res;
      return rebuild(res, {
        json: (body) => (body.error_code === backupNotFound ? { ...body, error_code: invalidBackup } : body),
      });
    },
    check: 'unknown-backup',
    reason: new RegExp(
      `got 400 ${invalidBackup.replace('.', '\\.')}:\\n {2}/error_code: must be ${backupNotFound.replace('.', '\\.')}; got "${invalidBackup.replace('.', '\\.')}"$`,
    ),
  },
  {
    defect: "a file's size is 5 KB more than its object",
    wrap: (inner) => async (req) => {
      const res = await inner(req);
      if (!isApiCall(req) || res.status !== 200) return res;
      return rebuild(res, {
        json: (body) => {
          body.files[1].size += 5;
          return body;
        },
      });
    },
    check: 'positive.size',
    reason: /^files\[1\] \([^)]+\): size is \d+ KB but the object has \d+ bytes = [\d.]+ KB; expected within 1 KB$/,
  },
  {
    defect: 'the links ignore Range',
    wrap: (inner) => async (req) => {
      if (!isDownload(req)) return inner(req);
      const headers = new Headers(req.headers);
      headers.delete('range');
      return inner(new Request(req, { headers }));
    },
    check: 'positive.link-range',
    reason:
      /^files\[0\] \([^)]+\): GET with `Range: bytes=0-1023` answered 200; expected 206 Partial Content \(the link ignores Range\)\n/,
  },
  {
    defect: 'a link answers 206 with a wrong Content-Range',
    wrap: (inner) => async (req) => {
      const res = await inner(req);
      if (!isDownload(req) || res.status !== 206) return res;
      return rebuild(res, {
        headers: (h) => h.set('content-range', (h.get('content-range') ?? '').replace('0-', '1-')),
      });
    },
    check: 'positive.link-range',
    reason:
      /^files\[0\] \([^)]+\): 206 to `Range: bytes=0-1023`, but Content-Range is "bytes 1-1023\/\d+"; expected "bytes 0-1023\/\d+"\n/,
  },
];

describe('runConformance against a server broken in one way', () => {
  it.each(cases)('$defect: only $check fails, saying so', async ({ wrap, check, reason }) => {
    const mock = newMock();
    const report = await runConformance(suiteOptions(mock, wrap(mock.fetch)));
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual([check]);
    expect(failed[0]!.skipped).toBeUndefined();
    expect(failed[0]!.reason).toMatch(reason);
    expect(report.ok).toBe(false);
  });

  it('names every file a defect touches, one line each', async () => {
    const mock = newMock();
    const noRange: Break = (inner) => (req) => {
      const headers = new Headers(req.headers);
      headers.delete('range');
      return inner(new Request(req, { headers }));
    };
    const report = await runConformance(suiteOptions(mock, noRange(mock.fetch)));
    const range = report.checks.find((c) => c.name === 'positive.link-range')!;
    expect(range.reason.split('\n').map((l) => l.slice(0, 9))).toEqual(
      ['files[0]', 'files[1]', 'files[2]', 'files[3]'].map((f) => f.padEnd(9, ' ')),
    );
  });

  it('an error answer without X-Request-Id fails that negative check, naming the header', async () => {
    const mock = newMock();
    const wrap: Break = (inner) => async (req) => {
      const res = await inner(req);
      return isApiCall(req) && res.status === 404 ? rebuild(res, { headers: (h) => h.delete('x-request-id') }) : res;
    };
    const report = await runConformance(suiteOptions(mock, wrap(mock.fetch)));
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual(['unknown-instance']);
    expect(failed[0]!.reason).toMatch(
      /got 404 DBS\.200002:\n {2}header X-Request-Id: declared by the spec; got nothing$/,
    );
  });

  it('a server that accepts any token fails wrong-token, with the likely cause', async () => {
    const { createMockServer } = await import('@dds-backup/mock-server');
    const permissive = createMockServer(); // no `tokens`: any non-empty token is accepted
    const report = await runConformance(suiteOptions(permissive));
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual(['wrong-token']);
    expect(failed[0]!.reason).toContain('got 200 (the server accepted a made-up token');
    expect(failed[0]!.reason).toContain('status: must be 401; got 200');
  });

  it('an answer other than 200 fails positive.status with the error, and the checks that need a 200 do not run', async () => {
    const mock = newMock();
    const report = await runConformance({ ...suiteOptions(mock), backupId: mock.defaults.replicaSet.backupId });
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName['positive.status']).toMatchObject({
      ok: false,
      reason: `expected 200; got 400 ${backupNotFound} (The backup file does not exist.)`,
    });
    expect(byName['positive.headers']!.ok).toBe(true);
    for (const name of [
      'positive.body',
      'positive.link-expiry',
      'positive.link-head',
      'positive.link-range',
      'positive.size',
    ]) {
      expect(byName[name]).toMatchObject({ ok: false, skipped: true });
      expect(byName[name]!.reason).toMatch(/^not run: the positive call answered 400/);
    }
  });

  it('an unreachable server fails every check with the network error, never throws', async () => {
    const mock = newMock();
    const refuse: FetchLike = async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    };
    const report = await runConformance(suiteOptions(mock, refuse));
    expect(report.checks.every((c) => !c.ok)).toBe(true);
    expect(report.checks[0]!.reason).toBe('the call failed: Network error: ECONNREFUSED');
    expect(report.checks.find((c) => c.name === 'no-credentials')!.reason).toContain('fetch failed (ECONNREFUSED)');
  });

  it('never prints a link signature or the token', async () => {
    const mock = newMock();
    const wrap: Break = (inner) => async (req) => {
      const res = await inner(req);
      if (!isApiCall(req) || res.status !== 200) return res;
      // A broken body whose wrong value is a link: the reason quotes it, redacted.
      return rebuild(res, {
        json: (body) => ({ ...body, bucket: body.files[0].download_link, extra: body.files[0].download_link }),
      });
    };
    const report = await runConformance(suiteOptions(mock, wrap(mock.fetch)));
    const text = JSON.stringify(report);
    expect(text).toContain('/extra: no such property');
    expect(text).not.toMatch(/Signature=(?!\*\*\*)/);
    expect(text).not.toMatch(/AccessKeyId=(?!\*\*\*)/);
    expect(text).not.toContain('contract-kit-test-token');
  });
});
