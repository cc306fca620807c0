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
  const { response } = result;
  if (response.ok && result.error === undefined) return result.data as T;
  const body = (result.error ?? {}) as {
    error_code?: unknown;
    error_msg?: unknown;
    request_id?: unknown;
    error?: { message?: unknown };
  };
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  throw new ApiError({
    operation,
    status: response.status,
    errorCode: typeof body.error_code === 'string' ? body.error_code : undefined,
    errorMessage:
      typeof body.error_msg === 'string'
        ? body.error_msg
        : typeof body.error?.message === 'string'
          ? body.error.message
          : typeof result.error === 'string' && result.error
            ? result.error.slice(0, 200)
            : undefined,
    requestId:
      response.headers.get('x-request-id') ?? (typeof body.request_id === 'string' ? body.request_id : undefined),
    retryAfterSeconds: retryAfter === undefined ? undefined : retryAfter / 1000,
  });
}
