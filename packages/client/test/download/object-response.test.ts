// checkObjectResponse: every verdict on an object answer's status and headers, without a server
// (the answers a careless or hostile server gives are here as plain inputs).

import { describe, expect, it } from 'vitest';
import { ObjectResponseError, RangeIgnoredError } from '../../src/download/errors.js';
import { checkObjectResponse, type ObjectResponseInput } from '../../src/download/object-response.js';

function input(
  status: number,
  headers: Record<string, string>,
  at: Partial<Pick<ObjectResponseInput, 'position' | 'end' | 'total'>> = {},
): ObjectResponseInput {
  return {
    file: 'f.tar',
    status,
    header: (name) => headers[name],
    position: at.position ?? 0,
    end: at.end,
    total: at.total,
  };
}

const check = (...args: Parameters<typeof input>) => checkObjectResponse(input(...args));
const thrown = (...args: Parameters<typeof input>) => {
  try {
    check(...args);
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
};

describe('206', () => {
  it('a Content-Range starting at the position asked for: the body, its length, the total and the ETag', () => {
    expect(
      check(
        206,
        { 'content-range': 'bytes 100-199/1000', 'content-length': '100', etag: '"abc"' },
        { position: 100, end: 200 },
      ),
    ).toEqual({ kind: 'body', status: 206, start: 100, length: 100, total: 1000, etag: '"abc"' });
  });
  it('a shorter range than asked (the object ends first) is a body of what is there', () => {
    expect(check(206, { 'content-range': 'bytes 900-999/1000' }, { position: 900, end: 2000 })).toMatchObject({
      kind: 'body',
      length: 100,
      total: 1000,
      etag: undefined,
    });
  });
  it.each([
    ['missing', {}],
    ['unparseable', { 'content-range': 'bytes nonsense' }],
    ['unsatisfied form', { 'content-range': 'bytes */1000' }],
    ['end past the total', { 'content-range': 'bytes 100-1000/1000' }],
    ['another start', { 'content-range': 'bytes 0-99/1000' }],
  ])('Content-Range %s: ObjectResponseError, not retryable, naming what was asked and got', (_l, headers) => {
    const error = thrown(206, headers, { position: 100, end: 200 });
    expect(error).toBeInstanceOf(ObjectResponseError);
    expect(error).not.toBeInstanceOf(RangeIgnoredError);
    expect((error as ObjectResponseError).retryable).toBe(false);
    expect(error.message).toContain('f.tar: asked for bytes=100-199, got Content-Range');
  });
  it('a Content-Length other than the range length: ObjectResponseError (retryable)', () => {
    const error = thrown(206, { 'content-range': 'bytes 0-99/1000', 'content-length': '50' }, { end: 100 });
    expect(error).toBeInstanceOf(ObjectResponseError);
    expect((error as ObjectResponseError).retryable).toBe(true);
    expect(error.message).toMatch(/Content-Length 50 does not match the range length 100/);
  });
});

describe('200', () => {
  it('from byte 0 with a Content-Length: the whole object', () => {
    expect(check(200, { 'content-length': '1000', etag: '"e"' }, { end: 100 })).toEqual({
      kind: 'body',
      status: 200,
      start: 0,
      length: 1000,
      total: 1000,
      etag: '"e"',
    });
  });
  it('a zero-byte object', () => {
    expect(check(200, { 'content-length': '0' })).toMatchObject({ kind: 'body', length: 0, total: 0 });
  });
  it('to a request from a non-zero position: RangeIgnoredError (the file restarts in one stream)', () => {
    const error = thrown(200, { 'content-length': '1000' }, { position: 10, end: 20 });
    expect(error).toBeInstanceOf(RangeIgnoredError);
    expect(error.message).toMatch(/ignored Range bytes=10-19/);
  });
  it.each([
    ['missing', {}],
    ['not a number', { 'content-length': 'many' }],
    ['negative', { 'content-length': '-1' }],
    ['fractional', { 'content-length': '1.5' }],
  ])('Content-Length %s: ObjectResponseError, not retryable', (_l, headers) => {
    const error = thrown(200, headers);
    expect(error).toBeInstanceOf(ObjectResponseError);
    expect((error as ObjectResponseError).retryable).toBe(false);
    expect(error.message).toMatch(/HTTP 200 without a Content-Length/);
  });
});

describe('416', () => {
  it('at the known end: past-end with the known total', () => {
    expect(check(416, {}, { position: 1000, total: 1000 })).toEqual({ kind: 'past-end', total: 1000 });
  });
  it('after the known end', () => {
    expect(check(416, {}, { position: 1500, total: 1000 })).toEqual({ kind: 'past-end', total: 1000 });
  });
  it('total not known yet: learned from Content-Range bytes */N', () => {
    expect(check(416, { 'content-range': 'bytes */1000' }, { position: 1200 })).toEqual({
      kind: 'past-end',
      total: 1000,
    });
  });
  it('a known total wins over the answer’s', () => {
    expect(check(416, { 'content-range': 'bytes */5' }, { position: 1000, total: 1000 })).toEqual({
      kind: 'past-end',
      total: 1000,
    });
  });
  it.each([
    ['before the known end', {}, { position: 10, total: 1000 }],
    ['before the declared end', { 'content-range': 'bytes */1000' }, { position: 10 }],
    ['no total known nor declared', {}, { position: 1000 }],
    ['an unparseable Content-Range', { 'content-range': 'bytes */x' }, { position: 1000 }],
  ])('%s: an error answer (read as an OBS error)', (_l, headers, at) => {
    expect(check(416, headers, at)).toEqual({ kind: 'error-status' });
  });
});

describe('other statuses', () => {
  it.each([403, 404, 500, 503, 204, 301])('%s: an error answer', (status) => {
    expect(check(status, { 'content-length': '10', 'content-range': 'bytes 0-9/10' })).toEqual({
      kind: 'error-status',
    });
  });
});
