import { ddsBackupSpec } from './generated/specs.js';

/** What the spec says of one Huawei error code. */
export interface ErrorCodeInfo {
  code: string;
  status: number;
  /** Whether calling again later can succeed (throttling, server errors). */
  retryable: boolean;
  messages: { 'en-us': string; 'zh-cn': string };
}

export type Language = 'en-us' | 'zh-cn';

const table = ddsBackupSpec['x-huawei-error-codes'] as Record<
  string,
  { status: number; retryable: boolean; 'en-us': string; 'zh-cn': string }
>;

/** Every error code the spec documents (`x-huawei-error-codes`), by code. */
export const errorCodes: ReadonlyMap<string, ErrorCodeInfo> = new Map(
  Object.entries(table).map(([code, e]) => [
    code,
    { code, status: e.status, retryable: e.retryable, messages: { 'en-us': e['en-us'], 'zh-cn': e['zh-cn'] } },
  ]),
);

/** The spec's facts about a code, or undefined for a code it does not list. */
export function getErrorCode(code: string): ErrorCodeInfo | undefined {
  return errorCodes.get(code);
}
