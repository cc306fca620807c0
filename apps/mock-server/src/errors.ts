import { getErrorCode, HEADER_LC, type Language } from '@dds-backup/contract';
import type { CoreResult } from './http/core.js';

/** `X-Language` value to a supported language (anything else: English, as DDS does). */
export const languageOf = (header: string | undefined): Language =>
  header?.toLowerCase() === 'zh-cn' ? 'zh-cn' : 'en-us';

export const JSON_TYPE = 'application/json;charset=UTF-8';

/**
 * A Huawei error answer: status and message from the spec's `x-huawei-error-codes`, in the
 * request's language. `detail` is appended (`Parameter error: ...`); API gateway errors
 * (`APIGW.*`) also carry `request_id` in the body, as the real gateway does.
 */
export function huaweiError(
  code: string,
  options: {
    language: Language;
    requestId: string;
    detail?: string;
    status?: number;
    headers?: Record<string, string>;
  },
): CoreResult {
  const info = getErrorCode(code);
  const base = info?.messages[options.language] ?? code;
  let message = base;
  if (options.detail) {
    message =
      options.language === 'zh-cn'
        ? `${base.replace(/。$/, '')}：${options.detail}`
        : `${base.replace(/\.$/, '')}: ${options.detail}`;
  }
  const body: Record<string, string> = { error_code: code, error_msg: message };
  if (code.startsWith('APIGW.')) body.request_id = options.requestId;
  return {
    status: options.status ?? info?.status ?? 500,
    headers: { 'content-type': JSON_TYPE, [HEADER_LC.XRequestId]: options.requestId, ...options.headers },
    body: JSON.stringify(body),
  };
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

/** An OBS error: XML `<Error><Code/><Message/><RequestId/><HostId/></Error>`. */
export function obsError(status: number, code: string, message: string, requestId: string, head = false): CoreResult {
  const body =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    `<Error><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message>` +
    `<RequestId>${requestId}</RequestId><HostId>dds-backup-mock</HostId></Error>`;
  return {
    status,
    headers: {
      'content-type': 'application/xml',
      [HEADER_LC.XRequestId]: requestId,
      'x-obs-request-id': requestId,
      'x-obs-error-code': code,
      ...(head ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
    },
    body: head ? undefined : body,
  };
}

/** OBS error code for an HTTP status (download `status` faults without an explicit code). */
export function obsCodeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'InvalidRequest';
    case 403:
      return 'AccessDenied';
    case 404:
      return 'NoSuchKey';
    case 409:
      return 'OperationAborted';
    case 416:
      return 'InvalidRange';
    case 429:
    case 503:
      return 'ServiceUnavailable';
    default:
      return 'InternalError';
  }
}
