import { ApiError, NetworkError } from '@dds-backup/client';
import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter, withRetries } from '../src/retry.js';

describe('backoffDelay (full jitter)', () => {
  it('is uniform in [0, min(max, base * 2^n))', () => {
    expect(backoffDelay(0, { baseDelayMs: 100, random: () => 0.999 })).toBe(99);
    expect(backoffDelay(3, { baseDelayMs: 100, random: () => 0.5 })).toBe(400);
    expect(backoffDelay(10, { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 })).toBe(500);
    expect(backoffDelay(2, { random: () => 0 })).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('withRetries', () => {
  it('retries retryable errors, then gives up with the last error', async () => {
    let calls = 0;
    await expect(
      withRetries(
        async () => {
          calls++;
          throw new NetworkError('boom');
        },
        { attempts: 3, baseDelayMs: 1 },
      ),
    ).rejects.toBeInstanceOf(NetworkError);
    expect(calls).toBe(3);
  });
  it('does not retry a non-retryable error', async () => {
    let calls = 0;
    const e = new ApiError({ operation: 'X', status: 404, errorCode: 'DBS.200002' });
    await expect(
      withRetries(
        async () => {
          calls++;
          throw e;
        },
        { attempts: 5 },
      ),
    ).rejects.toBe(e);
    expect(calls).toBe(1);
  });
  it('gives up when Retry-After is longer than allowed', async () => {
    let calls = 0;
    const e = new ApiError({ operation: 'X', status: 429, errorCode: 'APIGW.0308', retryAfterSeconds: 120 });
    await expect(
      withRetries(
        async () => {
          calls++;
          throw e;
        },
        { attempts: 5, maxRetryAfterMs: 1000 },
      ),
    ).rejects.toMatchObject({
      name: 'RetryLaterError',
      retryable: true,
      retryAfterSeconds: 120,
      errorCode: 'APIGW.0308',
      cause: e,
      message: expect.stringContaining('asked to wait 2 min before trying again (Retry-After), longer than the 1 s'),
    });
    expect(calls).toBe(1);
  });
  it('stops at once when aborted during a backoff', async () => {
    const controller = new AbortController();
    const started = withRetries(
      async () => {
        setTimeout(() => controller.abort(), 5);
        throw new NetworkError('x');
      },
      { attempts: 5, baseDelayMs: 60_000, random: () => 0.99, signal: controller.signal },
    );
    await expect(started).rejects.toMatchObject({ name: 'AbortError' });
  });
});
