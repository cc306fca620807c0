import {
  type ErrorCode,
  getErrorCode,
  HEADER_LC,
  type HuaweiError,
  type Language,
  type MockAdminComponents,
  OBS_ERROR_CODES,
  type ObsErrorCode,
  obsCodeForStatus,
} from '@dds-backup/contract';
import type { CoreResult } from './http/core.js';

/** `X-Language` value to a supported language (anything else: English, as DDS does). */
export const languageOf = (header: string | undefined): Language =>
  header?.toLowerCase() === 'zh-cn' ? 'zh-cn' : 'en-us';

export const JSON_TYPE = 'application/json;charset=UTF-8';

/** What the mock's own answers carry: the admin API's error body, with its closed list of `MOCK.*` codes. */
export type MockError = MockAdminComponents['schemas']['Error'];
export type MockErrorCode = MockError['error_code'];

/**
 * A Huawei error answer: status and message from the spec's `x-huawei-error-codes`, in the
 * request's language. `code` is the generated `ErrorCode` union, so a code the spec does not
 * document is a compile error rather than a 500 at run time. `detail` is appended
 * (`Parameter error: ...`); API gateway errors (`APIGW.*`) also carry `request_id` in the body,
 * as the real gateway does.
 */
export function huaweiError(
  code: ErrorCode,
  options: {
    language: Language;
    requestId: string;
    detail?: string | undefined;
    status?: number | undefined;
    headers?: Record<string, string>;
  },
): CoreResult {
  const info = getErrorCode(code);
  // Unreachable while the generated union and the table come from the same spec; a drifted
  // build must fail loudly rather than answer a made-up status.
  if (!info) throw new Error(`${code} is not in the spec's x-huawei-error-codes: run \`npm run generate\``);
  const base = info.messages[options.language];
  let message = base;
  if (options.detail) {
    message =
      options.language === 'zh-cn'
        ? `${base.replace(/。$/, '')}：${options.detail}`
        : `${base.replace(/\.$/, '')}: ${options.detail}`;
  }
  const body: HuaweiError = { error_code: code, error_msg: message };
  if (code.startsWith('APIGW.')) body.request_id = options.requestId;
  return {
    status: options.status ?? info.status,
    headers: { 'content-type': JSON_TYPE, [HEADER_LC.XRequestId]: options.requestId, ...options.headers },
    body: JSON.stringify(body),
  };
}

/** An answer of the mock's own (admin API, body too large, validation proxy): the Huawei shape with a `MOCK.*` code. */
export function mockError(
  status: number,
  code: MockErrorCode,
  message: string,
  requestId: string,
  options: { requestIdInBody?: boolean; headers?: Record<string, string> } = {},
): CoreResult {
  const body: MockError = { error_code: code, error_msg: message };
  if (options.requestIdInBody) body.request_id = requestId;
  return jsonResult(status, body, requestId, options.headers);
}

/** JSON answer with the request id header. */
export function jsonResult(
  status: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): CoreResult {
  return jsonBody(status, JSON.stringify(body), requestId, headers);
}

/** An already serialized JSON answer with the request id header. */
export function jsonBody(
  status: number,
  json: string | Uint8Array,
  requestId: string,
  headers: Record<string, string> = {},
): CoreResult {
  return { status, headers: { 'content-type': JSON_TYPE, [HEADER_LC.XRequestId]: requestId, ...headers }, body: json };
}

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The default status of OBS's code for an injected status (obs.openapi.yaml `x-obs-code-for-status`). */
export { obsCodeForStatus };

/**
 * An OBS error: XML `<Error><Code/><Message/><RequestId/><HostId/></Error>`. `code` is one of
 * obs.openapi.yaml's `x-obs-error-codes` (a typed union); status and message default to the
 * spec's for it (an injected status, or a message saying what the mock did, override them).
 * `head`: a HEAD answer, the body's length without the body.
 */
export function obsError(
  code: ObsErrorCode,
  requestId: string,
  options: { status?: number; message?: string; head?: boolean } = {},
): CoreResult {
  const { status = OBS_ERROR_CODES[code].status, message = OBS_ERROR_CODES[code].message, head = false } = options;
  const body =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    `<Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message>` +
    `<RequestId>${requestId}</RequestId><HostId>dds-backup-mock</HostId></Error>`;
  return {
    status,
    headers: {
      'content-type': 'application/xml',
      [HEADER_LC.XRequestId]: requestId,
      [HEADER_LC.XObsRequestId]: requestId,
      [HEADER_LC.XObsErrorCode]: code,
      ...(head ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
    },
    body: head ? undefined : body,
  };
}
