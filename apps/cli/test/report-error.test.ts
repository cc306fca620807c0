import { ApiError } from '@dds-backup/client';
import { ERROR_CODES, type ErrorCode } from '@dds-backup/contract';
import { describe, expect, it } from 'vitest';
import { ADVICE, report } from '../src/report-error.js';

async function reported(error: unknown): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await report(
    error,
    { stdout: { write: () => true }, stderr: { write: (s) => (stderr += s) }, env: {} },
    {
      verbose: false,
    },
  );
  return { code, stderr };
}

describe('report(): the advice table, keyed by the spec error codes', () => {
  it.each(Object.entries(ADVICE) as [ErrorCode, string][])('%s prints its hint', async (errorCode, advice) => {
    expect(ERROR_CODES).toContain(errorCode);
    const { stderr } = await reported(new ApiError({ operation: 'ListBackups', status: 400, errorCode }));
    expect(stderr).toContain(`hint: ${advice}`);
  });

  it('a code the spec does not document gets no code hint, only the generic one for its exit code', async () => {
    const { code, stderr } = await reported(
      new ApiError({ operation: 'ListBackups', status: 403, errorCode: 'DBS.999999' }),
    );
    expect(code).toBe(3);
    expect(stderr).toContain('hint: check the credentials, region and project ID.');
  });
});
