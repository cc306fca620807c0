/**
 * Vitest matchers: `import '@dds-backup/contract-kit/vitest'` once (in a test file or a
 * `setupFiles` entry) and every `expect` gains `toSatisfyContract`. The matcher is async, since a
 * Response body is a stream: always `await expect(res).toSatisfyContract('ShowBackupDownloadLink')`.
 */
import { expect } from 'vitest';
import { type ConformanceInput, type ConformsOptions, checkConforms } from './assert-conforms.js';

export const contractMatchers = {
  /**
   * Passes when `received` (a Response, whose body is read from a clone, or an openapi-fetch
   * result) is a documented answer of `operationId`: documented status (`options.status` when
   * given), declared headers present, body valid against the spec. Fails with one line per issue.
   */
  async toSatisfyContract(received: unknown, operationId: string, options: ConformsOptions = {}) {
    const result = await checkConforms(operationId, received as ConformanceInput, options);
    return {
      pass: result.ok,
      message: () =>
        result.ok
          ? `expected the ${operationId} answer ${result.status} not to satisfy the contract, but it does`
          : result.message,
      actual: result.issues.map((i) => `${i.path}: ${i.actual}`).join('\n'),
      expected: result.issues.map((i) => `${i.path}: ${i.expected}`).join('\n'),
    };
  },
};

expect.extend(contractMatchers);

// `Matchers`, the interface Vitest documents for this: augmenting `Assertion` (re-exported by
// 'vitest' from '@vitest/expect') only took effect in a consumer that imported 'vitest' before
// this file, as the pack-and-install test found.
declare module 'vitest' {
  interface Matchers<T = any> {
    /**
     * Checks a Response or an openapi-fetch result against the spec's answer for `operationId`.
     * Async: `await expect(res).toSatisfyContract('ShowBackupDownloadLink')`.
     */
    toSatisfyContract(operationId: string, options?: ConformsOptions): Promise<void>;
  }
}
