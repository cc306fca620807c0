import type { ErrorCode } from './generated/error-codes.js';
import { ddsBackupSpec } from './generated/specs.js';

export {
  type DdsOperationId,
  ERROR_CODES,
  type ErrorCode,
  type OperationErrorCode,
  operationErrorCodes,
} from './generated/error-codes.js';

/** What the spec says of one Huawei error code. */
export interface ErrorCodeInfo {
  code: ErrorCode;
  status: number;
  /** Whether calling again later can succeed (throttling, server errors). */
  retryable: boolean;
  /** The instance or the backup does not exist. */
  notFound: boolean;
  messages: { 'en-us': string; 'zh-cn': string };
}

export type Language = 'en-us' | 'zh-cn';

const table = ddsBackupSpec['x-huawei-error-codes'] as Record<
  string,
  { status: number; retryable: boolean; 'not-found'?: boolean; 'en-us': string; 'zh-cn': string }
>;

/** Every error code the spec documents (`x-huawei-error-codes`), by code. */
export const errorCodes: ReadonlyMap<string, ErrorCodeInfo> = new Map(
  Object.entries(table).map(([code, e]) => [
    code,
    {
      code: code as ErrorCode,
      status: e.status,
      retryable: e.retryable,
      notFound: e['not-found'] === true,
      messages: { 'en-us': e['en-us'], 'zh-cn': e['zh-cn'] },
    },
  ]),
);

/** The spec's facts about a code, or undefined for a code it does not list. */
export function getErrorCode(code: string): ErrorCodeInfo | undefined {
  return errorCodes.get(code);
}

/** True when `code` is one the spec documents: narrows a code read from an answer to `ErrorCode`. */
export function isErrorCode(code: string): code is ErrorCode {
  return errorCodes.has(code);
}
