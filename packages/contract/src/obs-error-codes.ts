import { OBS_CODE_FOR_STATUS, OBS_ERROR_CODES, type ObsErrorCode } from './generated/obs-error-codes.js';

export {
  OBS_CODE_FOR_STATUS,
  OBS_ERROR_CODES,
  OBS_LINK_EXPIRED_CODE,
  type ObsErrorCode,
} from './generated/obs-error-codes.js';

/** True when `code` is one obs.openapi.yaml lists: narrows a code read from an OBS answer to `ObsErrorCode`. */
export function isObsErrorCode(code: string): code is ObsErrorCode {
  return Object.hasOwn(OBS_ERROR_CODES, code);
}

/** The code the mock answers for an injected status that names none (the spec's `x-obs-code-for-status`). */
export function obsCodeForStatus(status: number): ObsErrorCode {
  const table: Record<string, ObsErrorCode> = OBS_CODE_FOR_STATUS;
  return table[String(status)] ?? table.default!;
}
