import { showBackupDownloadLinkExamples as examples, getErrorCode, getOperation } from '@dds-backup/contract';
import { describe, expect, it } from 'vitest';
import { declaredHeaders, expectedError, requiredParameters, unknownIdFor } from '../src/spec-facts.js';

describe('spec facts', () => {
  it('expectedError reads status and codes from the named examples, agreeing with x-huawei-error-codes', () => {
    const e = expectedError(['token-expired', 'token-missing']);
    expect(e).toEqual({
      status: 401,
      codes: [examples['401']['token-expired'].error_code, examples['401']['token-missing'].error_code],
      examples: ['401 token-expired', '401 token-missing'],
    });
    for (const code of e.codes) expect(getErrorCode(code)?.status).toBe(401);
  });

  it('expectedError refuses an example the spec does not have, or examples of different statuses', () => {
    expect(() => expectedError(['no-such-example'])).toThrow(
      'The spec has no response example named "no-such-example"',
    );
    expect(() => expectedError(['token-missing', 'instance-not-found'])).toThrow(/sit under different statuses/);
  });

  it('unknownIdFor keeps the shape of the spec example, with random hex', () => {
    const op = getOperation('ShowBackupDownloadLink');
    for (const name of ['instance_id', 'backup_id']) {
      const pattern = new RegExp(op.parameters.find((p) => p.name === name)!.schema['x-observed-pattern'] as string);
      const a = unknownIdFor(name);
      expect(a).toMatch(pattern);
      expect(unknownIdFor(name)).not.toBe(a);
    }
    expect(() => unknownIdFor('nope')).toThrow('ShowBackupDownloadLink has no parameter nope');
  });

  it('requiredParameters and declaredHeaders come from the operation', () => {
    expect(requiredParameters().map((p) => `${p.in}.${p.name}`)).toEqual([
      'path.project_id',
      'query.instance_id',
      'query.backup_id',
    ]);
    expect(declaredHeaders(200)).toEqual(['X-Request-Id']);
    expect(declaredHeaders(429)).toEqual(['X-Request-Id', 'Retry-After']);
  });
});
