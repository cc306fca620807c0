import { getOperation, HEADER_LC } from '@dds-backup/contract';
import {
  DEFAULT_NAMESPACE,
  type MockContext,
  NAMESPACE_HEADER,
  NAMESPACE_PATTERN,
  type RequestContext,
} from './context.js';
import { huaweiError, languageOf, mockError, obsError } from './errors.js';
import {
  BodyTooLargeError,
  type Completion,
  type CoreRequest,
  type CoreResult,
  MAX_BODY_BYTES,
  type RequestTarget,
} from './http/core.js';
import { NAMESPACE_PARAM } from './links.js';
import { type RequestLogger, toLogEntry } from './log.js';
import type { ValidationProxy } from './proxy/proxy.js';
import { createRequestIds } from './request-id.js';
import { ADMIN_PREFIX, handleAdmin } from './routes/admin.js';
import { matchDownloadFilePath, showBackupDownloadLink } from './routes/dds.js';
import { createToken, listProjects } from './routes/iam.js';
import { listBackups, matchListBackupsPath } from './routes/list-backups.js';
import { listInstances, matchListInstancesPath } from './routes/list-instances.js';
import { getObject, isPathStyleObject, OBS_PREFIX } from './routes/obs.js';

// IAM routes, from the IAM spec.
const PROJECTS_PATH = getOperation('KeystoneListProjects').path;
const TOKENS_PATH = getOperation('KeystoneCreateUserTokenByPassword').path;

/** A result with what the journal and log need once it has been sent. */
export interface Handled {
  result: CoreResult;
  info: { requestId: string; namespace: string; target: RequestTarget; method: string; path: string; started: number };
}

/** The core handler both adapters drive. */
export interface Handler {
  /**
   * Synchronous when the route is (the hot API operation without fault latency): no promise, no
   * microtask. A route that throws synchronously throws here; adapters answer internalError().
   */
  handle(req: CoreRequest): Handled | Promise<Handled>;
  /** Called once per request when its body has been sent (or the transfer ended early). */
  complete(handled: Handled, bytesSent: number, aborted: boolean): void;
  /** The answer to a request whose route threw: 500, never a crash. */
  internalError(req: CoreRequest, error: unknown): Handled;
}

const targetOf = (path: string): RequestTarget =>
  path.startsWith(OBS_PREFIX) || isPathStyleObject(path)
    ? 'download'
    : path.startsWith(ADMIN_PREFIX)
      ? 'admin'
      : path.startsWith('/v3/auth/') || path === PROJECTS_PATH
        ? 'iam'
        : 'api';

/**
 * The core handler. With `proxy`, every request but the admin API (`/__mock/`) goes to the
 * validation proxy instead of the mock's own routes.
 */
export function createHandler(ctx: MockContext, logger: RequestLogger | undefined, proxy?: ValidationProxy): Handler {
  const nextId = createRequestIds();

  const notFound = ({ req, requestId }: RequestContext): CoreResult =>
    huaweiError('APIGW.0101', { language: languageOf(req.header(HEADER_LC.XLanguage)), requestId });

  const route = (rc: RequestContext, target: RequestTarget): CoreResult | Promise<CoreResult> => {
    const { req } = rc;
    const path = req.path;
    if (proxy && target !== 'admin') return proxy.handle(rc);
    // The backup schedule catches up with the mock clock before anything reads the state.
    rc.ns.tick();
    if (target === 'download') return getObject(ctx, rc);
    if (target === 'admin') {
      return handleAdmin(ctx, rc).then((r) => r ?? notFound(rc));
    }
    if (req.method === 'GET') {
      const project = matchDownloadFilePath(path);
      if (project !== undefined) return showBackupDownloadLink(ctx, rc, project);
      const listed = matchListBackupsPath(path);
      if (listed !== undefined) return listBackups(ctx, rc, listed);
      const instances = matchListInstancesPath(path);
      if (instances !== undefined) return listInstances(ctx, rc, instances);
      if (path === PROJECTS_PATH) return listProjects(ctx, rc);
    } else if (req.method === 'POST' && path === TOKENS_PATH) {
      return createToken(ctx, rc);
    }
    return notFound(rc);
  };

  return {
    handle(req) {
      const started = performance.now();
      const requestId = nextId();
      const target = targetOf(req.path);
      let query: URLSearchParams | undefined;
      const getQuery = () => (query ??= new URLSearchParams(req.rawQuery));
      // Downloads take their namespace from the (signed) link: they cannot send headers.
      const nsName =
        (target === 'download' ? getQuery().get(NAMESPACE_PARAM) : req.header(NAMESPACE_HEADER)) ?? DEFAULT_NAMESPACE;
      const info = { requestId, namespace: nsName, target, method: req.method, path: req.path, started };
      if (!NAMESPACE_PATTERN.test(nsName)) {
        const detail = `${NAMESPACE_HEADER} must be 1 to 64 characters of A-Z a-z 0-9 . _ -`;
        const result =
          target === 'download'
            ? obsError('InvalidArgument', requestId, { message: detail, head: req.method === 'HEAD' })
            : huaweiError('DBS.200001', { language: languageOf(req.header(HEADER_LC.XLanguage)), requestId, detail });
        return { result, info: { ...info, namespace: DEFAULT_NAMESPACE } };
      }
      const rc: RequestContext = {
        req,
        ns: ctx.namespace(nsName),
        requestId,
        query: getQuery,
        url: () => new URL(`${req.path}${req.rawQuery ? `?${req.rawQuery}` : ''}`, req.origin),
      };
      const result = route(rc, target);
      return result instanceof Promise ? result.then((r) => ({ result: r, info })) : { result, info };
    },

    complete(handled, bytesSent, aborted) {
      const { info, result } = handled;
      const completion: Completion = {
        requestId: info.requestId,
        namespace: info.namespace,
        target: info.target,
        method: info.method,
        path: info.path,
        status: result.status,
        bytesSent,
        durationMs: performance.now() - info.started,
        aborted,
      };
      const now = Date.now();
      // The journal records what clients did; admin calls would only drown it.
      if (info.target !== 'admin') ctx.namespace(info.namespace).journal.record(completion, now);
      logger?.(toLogEntry(completion, now));
    },

    internalError(req, error) {
      const requestId = nextId();
      const target = targetOf(req.path);
      const info = {
        requestId,
        namespace: DEFAULT_NAMESPACE,
        target,
        method: req.method,
        path: req.path,
        started: performance.now(),
      };
      if (error instanceof BodyTooLargeError) {
        // The client's mistake, not the mock's: 413 in the Huawei shape with the mock's own code.
        const result = mockError(
          413,
          'MOCK.0413',
          `The request body is over ${MAX_BODY_BYTES} bytes (the mock's limit for JSON bodies).`,
          requestId,
          { headers: { connection: 'close' } },
        );
        return { result, info };
      }
      process.emitWarning(
        `dds-backup-mock: ${req.method} ${req.path} failed: ${(error as Error)?.stack ?? String(error)}`,
      );
      const result =
        target === 'download'
          ? obsError('InternalError', requestId, { head: req.method === 'HEAD' })
          : huaweiError('DBS.280005', { language: languageOf(req.header(HEADER_LC.XLanguage)), requestId });
      return { result, info };
    },
  };
}
