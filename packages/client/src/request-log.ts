import { HEADER_LC } from '@dds-backup/contract';
import { redactHeaders, redactUrl } from './redact.js';

/**
 * --verbose lines for requests that do not go through the API transport (the IAM token
 * exchange, the download engine's object GETs): the same `>` / `<` shape, secrets redacted.
 */
export function requestLine(method: string, url: string, headers: Headers | Record<string, string>): string {
  return `> ${method} ${redactUrl(url)} ${JSON.stringify(redactHeaders(headers))}`;
}

export function responseLine(status: number, url: string, ms: number, requestId: string | null | undefined): string {
  return `< ${status} ${redactUrl(url)} ${ms}ms request-id=${requestId ?? '-'}`;
}

/** A fetch that logs each request and its answer (or failure) through `log`. */
export function loggingFetch(
  fetch: (request: Request) => Promise<Response>,
  log: (line: string) => void,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const started = Date.now();
    log(requestLine(request.method, request.url, request.headers));
    try {
      const response = await fetch(request);
      log(responseLine(response.status, request.url, Date.now() - started, response.headers.get(HEADER_LC.XRequestId)));
      return response;
    } catch (error) {
      log(
        `< failed ${redactUrl(request.url)} ${Date.now() - started}ms: ${(error as Error)?.message ?? String(error)}`,
      );
      throw error;
    }
  };
}
