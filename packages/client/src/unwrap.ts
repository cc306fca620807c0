import { HEADER_LC } from '@dds-backup/contract';
import { ApiError } from './errors.js';
import { parseRetryAfter } from './retry.js';

/** The shape openapi-fetch answers with. */
export interface FetchResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * Turns an openapi-fetch result into its data, or throws ApiError carrying the HTTP status,
 * Huawei error code, message, request id and Retry-After. The one bridge from results (HTTP
 * seam) to exceptions (app seam).
 */
export function unwrap<T>(result: FetchResult<T>, operation: string): T {
  if (result.response.ok && result.error === undefined) return result.data as T;
  throw apiErrorFrom(operation, result.response, result.error);
}

/**
 * The ApiError an error answer stands for: status, Huawei `error_code` and `error_msg` (or IAM's
 * `error.message`), request id (header, else body) and Retry-After. `body` is the parsed JSON,
 * or the text when it was not JSON.
 */
export function apiErrorFrom(operation: string, response: Response, body: unknown): ApiError {
  const fields = (body && typeof body === 'object' ? body : {}) as {
    error_code?: unknown;
    error_msg?: unknown;
    request_id?: unknown;
    error?: { message?: unknown };
  };
  const retryAfter = parseRetryAfter(response.headers.get(HEADER_LC.RetryAfter));
  return new ApiError({
    operation,
    status: response.status,
    errorCode: typeof fields.error_code === 'string' ? fields.error_code : undefined,
    errorMessage:
      typeof fields.error_msg === 'string'
        ? fields.error_msg
        : typeof fields.error?.message === 'string'
          ? fields.error.message
          : typeof body === 'string' && body
            ? body.slice(0, 200)
            : undefined,
    requestId:
      response.headers.get(HEADER_LC.XRequestId) ??
      (typeof fields.request_id === 'string' ? fields.request_id : undefined),
    retryAfterSeconds: retryAfter === undefined ? undefined : retryAfter / 1000,
  });
}
