import type { DdsClient, FetchLike } from '@dds-backup/client';
import type { OperationInfo } from '@dds-backup/contract';
import type { OpenApiFetchResult } from '../assert-conforms.js';

/** What every check needs: the operation, the values of its parameters, and the two transports. */
export interface SuiteContext {
  op: OperationInfo;
  baseUrl: string;
  /** Parameter name (as the spec spells it) -> value. */
  values: Readonly<Record<string, string>>;
  /** Authenticated, non-retrying client on `baseUrl`. */
  client: DdsClient;
  /** The plain transport, for unauthenticated calls and the download links. */
  fetch: FetchLike;
  timeoutMs: number;
  expiryToleranceSeconds: number;
}

type Params = { path: Record<string, string>; query: Record<string, string>; header: Record<string, string> };

function split(op: OperationInfo, values: Readonly<Record<string, string | undefined>>): Params {
  const params: Params = { path: {}, query: {}, header: {} };
  for (const p of op.parameters) {
    const value = values[p.name];
    if (value === undefined || p.in === 'cookie') continue;
    params[p.in][p.name] = value;
  }
  return params;
}

/**
 * Calls the operation with the suite's credentials (through the client's openapi-fetch `raw`),
 * with `values` as its parameters. The body stays text (`parseAs: 'text'`): a body that is not
 * JSON must be reported, not thrown.
 */
export function callWithCredentials(
  ctx: SuiteContext,
  values: Readonly<Record<string, string | undefined>>,
): Promise<OpenApiFetchResult> {
  const raw = ctx.client.raw as unknown as {
    request(method: string, path: string, init: object): Promise<OpenApiFetchResult>;
  };
  return raw.request(ctx.op.method.toLowerCase(), ctx.op.path, {
    params: split(ctx.op, values),
    parseAs: 'text',
  });
}

/** The operation's URL for `values`, built from the spec's path template and parameters. */
export function operationUrl(ctx: SuiteContext, values: Readonly<Record<string, string | undefined>>): string {
  const params = split(ctx.op, values);
  const path = ctx.op.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params.path[name] ?? ''));
  const query = new URLSearchParams(params.query).toString();
  return `${ctx.baseUrl.replace(/\/$/, '')}${path}${query ? `?${query}` : ''}`;
}

/** Calls the operation with no credentials but the given headers (plain transport, no retries). */
export function callWithout(
  ctx: SuiteContext,
  values: Readonly<Record<string, string | undefined>>,
  headers: Record<string, string> = {},
): Promise<Response> {
  const params = split(ctx.op, values);
  return ctx.fetch(
    new Request(operationUrl(ctx, values), {
      method: ctx.op.method,
      headers: { ...params.header, ...headers },
      signal: AbortSignal.timeout(ctx.timeoutMs),
    }),
  );
}
