import { describe, expect, it } from 'vitest';
import { mirrorExitCode } from '../src/exit-codes.js';

describe('mirrorExitCode: 3, then 6, then 1, then 4, then 5, then 0', () => {
  it.each([
    [[], false, 0],
    [[], true, 4],
    [[5], false, 5],
    [[5], true, 4],
    [[5, 1], true, 1],
    [[4], false, 1],
    [[2], false, 1],
    [[5, 1, 6], true, 6],
    [[6, 3, 5, 1], true, 3],
    [[3], false, 3],
  ] as const)('failures %j, missing instance %s: %i', (failures, missing, code) => {
    expect(mirrorExitCode(failures, missing)).toBe(code);
  });
});
