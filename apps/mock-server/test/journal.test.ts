import { describe, expect, it } from 'vitest';
import type { Completion } from '../src/http/core.js';
import { Journal } from '../src/journal.js';

const completion = (i: number): Completion => ({
  requestId: `id-${i}`,
  namespace: 'default',
  target: 'api',
  method: 'GET',
  path: `/v3/p/${i}`,
  status: 200,
  bytesSent: i,
  durationMs: 1.23456789,
  aborted: i % 2 === 1,
});

describe('journal', () => {
  it('lists completions oldest first, formatted: ISO time, duration rounded to microseconds', () => {
    const j = new Journal();
    j.record(completion(0), Date.UTC(2030, 0, 1));
    j.record(completion(1), Date.UTC(2030, 0, 1, 0, 0, 1));
    expect(j.list()).toEqual([
      {
        request_id: 'id-0',
        time: '2030-01-01T00:00:00.000Z',
        target: 'api',
        method: 'GET',
        path: '/v3/p/0',
        status: 200,
        bytes_sent: 0,
        duration_ms: 1.235,
        aborted: false,
      },
      expect.objectContaining({ request_id: 'id-1', time: '2030-01-01T00:00:01.000Z', aborted: true }),
    ]);
  });

  it('keeps the last 10,000, oldest first, once the ring wraps; clear() empties it', () => {
    const j = new Journal();
    for (let i = 0; i < 10_005; i++) j.record(completion(i), i);
    const list = j.list();
    expect(list).toHaveLength(10_000);
    expect(list[0]!.request_id).toBe('id-5');
    expect(list.at(-1)!.request_id).toBe('id-10004');
    expect(list.every((e, k) => e.bytes_sent === k + 5)).toBe(true);
    j.clear();
    expect(j.list()).toEqual([]);
    j.record(completion(7), 0);
    expect(j.list().map((e) => e.request_id)).toEqual(['id-7']);
  });
});
