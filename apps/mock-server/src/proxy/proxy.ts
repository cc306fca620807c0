import { HEADER_LC, SECRET_HEADERS } from '@dds-backup/contract';
import type { RequestContext } from '../context.js';
import { type MockErrorCode, mockError } from '../errors.js';
import type { CoreResult } from '../http/core.js';
import { BodyTooLargeError } from '../http/core.js';
import { displayUrl, mockRedactor, redactPathAndQuery } from '../redact.js';
import { checkAnswer, matchOperation } from './check.js';
import type { ProxyConfig } from './config.js';
import { type Agents, createAgents, endToEndHeaders, forward, UpstreamError } from './forward.js';
import type { ContractViolation } from './violations.js';

/** Response header that reports the check of a forwarded answer: `ok`, `violations=N` or `unchecked`. */
export const CONTRACT_HEADER = 'X-Mock-Contract';

/** The mock's own codes for answers the proxy could not get (English only, like `MOCK.0400`). */
export const PROXY_ERROR_CODES = { unreachable: 'MOCK.0502', timeout: 'MOCK.0504' } as const satisfies Record<
  string,
  MockErrorCode
>;

/**
 * IAM's path families (Keystone `/v3/<collection>` and Huawei's `/v3.0/OS-*`): they go to the
 * IAM upstream. DDS paths start `/v3/{project_id}/`, which is never one of these names.
 */
const IAM_COLLECTIONS = new Set(['auth', 'projects', 'users', 'groups', 'domains', 'regions', 'roles']);
export function isIamPath(path: string): boolean {
  if (path.startsWith('/v3.0/OS-')) return true;
  const m = /^\/v3\/([^/]+)/.exec(path);
  return m !== null && IAM_COLLECTIONS.has(m[1]!);
}

/** Where violation reports go besides the namespace's list: the log, `onViolation`. */
export type ViolationSink = (violation: ContractViolation) => void;

export interface ValidationProxy {
  /** Forwards a request, checks the answer, reports violations, passes the answer on. */
  handle(rc: RequestContext): Promise<CoreResult>;
  /** Closes the keep-alive connections to the upstreams. */
  close(): void;
}

/** Lower-case name -> value (repeated headers joined), for the validators. */
function headerRecord(raw: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    out[name] = out[name] === undefined ? raw[i + 1]! : `${out[name]}, ${raw[i + 1]}`;
  }
  return out;
}

function proxyError(error: unknown, base: URL, requestId: string): CoreResult {
  const e = error instanceof UpstreamError ? error : new UpstreamError('unreachable', String(error));
  const timeout = e.kind === 'timeout';
  return mockError(
    timeout ? 504 : 502,
    timeout ? PROXY_ERROR_CODES.timeout : PROXY_ERROR_CODES.unreachable,
    `The dds-backup-mock validation proxy got no answer from ${displayUrl(base)}: ${mockRedactor.redact(e.message)}`,
    requestId,
    { requestIdInBody: true },
  );
}

/**
 * The validation proxy: every request but the admin API goes to the real API unchanged; each
 * answer of an operation of the DDS or IAM spec is checked with the contract's validators and
 * passed on byte for byte, with `X-Mock-Contract` added. Nothing is stored but redacted
 * violation reports.
 */
export function createProxy(config: ProxyConfig, sink: ViolationSink | undefined): ValidationProxy {
  const agents: Agents = createAgents();
  const upstreamOf = (base: URL) => displayUrl(base.origin);

  return {
    async handle(rc) {
      const { req } = rc;
      const base = isIamPath(req.path) ? config.iam : config.dds;
      let answer: Awaited<ReturnType<typeof forward>>;
      try {
        answer = await forward(req, base, { agents, timeoutMs: config.timeoutMs });
      } catch (error) {
        // The client's body over the limit: the handler's 413, not "the upstream failed".
        if (error instanceof BodyTooLargeError) throw error;
        return proxyError(error, base, rc.requestId);
      }
      // A chained proxy's verdict is about another hop: ours replaces it.
      const rawHeaders = endToEndHeaders(answer.rawHeaders, [CONTRACT_HEADER.toLowerCase()]);
      const op = matchOperation(req.method, req.path);
      let verdict = 'unchecked';
      if (op) {
        const headers = headerRecord(rawHeaders);
        const issues = checkAnswer(op, { status: answer.status, headers, body: answer.body }, req.method === 'HEAD');
        verdict = issues.length === 0 ? 'ok' : `violations=${issues.length}`;
        if (issues.length > 0) {
          const secrets = [...SECRET_HEADERS.map((h) => req.header(h)), headers[HEADER_LC.XSubjectToken]];
          const violation: ContractViolation = {
            time: new Date().toISOString(),
            request_id: rc.requestId,
            upstream_request_id: headers[HEADER_LC.XRequestId] ?? null,
            namespace: rc.ns.name,
            operation_id: op.operationId,
            method: req.method,
            path: mockRedactor.redact(redactPathAndQuery(req.path, req.rawQuery), secrets),
            upstream: upstreamOf(base),
            status: answer.status,
            issues: issues.map((i) => ({
              path: mockRedactor.redact(i.path, secrets),
              keyword: i.keyword,
              message: mockRedactor.redact(i.message, secrets),
            })),
          };
          rc.ns.violations.record(violation);
          sink?.(violation);
        }
      }
      return {
        status: answer.status,
        statusText: answer.statusText,
        headers: {},
        rawHeaders: [...rawHeaders, CONTRACT_HEADER, verdict],
        body: answer.body,
      };
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
