import {
  type DdsOperationId,
  type ErrorCode,
  getOperation,
  HEADER_LC,
  type Language,
  type operations,
  resolveRef,
  validateRequest,
} from '@dds-backup/contract';
import type { MockContext, RequestContext } from '../context.js';
import { huaweiError, jsonResult, languageOf } from '../errors.js';
import type { CoreResult } from '../http/core.js';
import { plainQuery } from '../http/plain-query.js';
import { type Preferences, parsePrefer } from '../prefer.js';
import type { ProjectState } from '../state.js';
import { applyApiFaults, type FaultOutcome } from './faults.js';

/** `/v3/{project_id}/...` of an operation -> a matcher answering the project id segment, or undefined. */
export function projectPathMatcher(operationId: string): (path: string) => string | undefined {
  const [prefix, suffix] = getOperation(operationId).path.split('{project_id}') as [string, string];
  return (path) => {
    if (!path.startsWith(prefix) || !path.endsWith(suffix) || path.length <= prefix.length + suffix.length)
      return undefined;
    const segment = path.slice(prefix.length, path.length - suffix.length);
    return segment.includes('/') ? undefined : segment;
  };
}

const safeDecode = (s: string) => {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** A spec example for `Prefer: code=` / `example=`, Prism's way: by name, else the first of the status. */
function preferredExample(
  operationId: string,
  code: string | undefined,
  example: string | undefined,
): { status: number; value: unknown } | 'none' | undefined {
  if (code === undefined && example === undefined) return undefined;
  const op = getOperation(operationId);
  const responses = (op.document.paths[op.path] as any)[op.method.toLowerCase()].responses as Record<string, any>;
  const resolve = (node: unknown): any => resolveRef(op.document, node)[0];
  for (const [status, r] of Object.entries(responses)) {
    if (code !== undefined && status !== code) continue;
    const examples = resolve(r)?.content?.['application/json']?.examples as Record<string, any> | undefined;
    if (!examples) continue;
    const entries = Object.entries(examples);
    const hit = example !== undefined ? entries.find(([name]) => name === example) : undefined;
    if (hit) return { status: Number(status), value: resolve(hit[1]).value };
    // `code=200` without an example name: the mock's real answer.
    if (example === undefined && status !== '200')
      return { status: Number(status), value: resolve(entries[0]![1]).value };
  }
  return code === '200' && example === undefined ? undefined : 'none';
}

type OperationId = DdsOperationId & keyof operations;

/**
 * The query of an operation, read by the spec's parameter names only: a parameter renamed in the
 * spec is a compile error in the route that reads it.
 */
export interface OperationQuery<Op extends OperationId> {
  get(name: keyof NonNullable<operations[Op]['parameters']['query']> & string): string | null;
}

/** A DDS API request that passed the gateway (faults, auth), `Prefer` and the spec's parameter checks. */
export interface ApiRequest<Op extends OperationId> {
  language: Language;
  /** Mock time of the request. */
  now: number;
  prefs: Preferences;
  query: OperationQuery<Op>;
  project: ProjectState;
  /** A Huawei error answer (with any stream faults of the request). */
  fail(code: ErrorCode, detail?: string): CoreResult;
  /** Adds the request's stream faults (reset, truncate, throttle) to an answer. */
  withFaults(result: CoreResult): CoreResult;
}

/**
 * What every DDS operation of the mock does first, in the real gateway's order: `api` fault
 * rules, authentication (DECISIONS.md, auth.ts), the `Prefer` header (Prism-style examples),
 * the operation's parameters validated against the spec (400 DBS.200001 naming the first
 * problem), and the project (400 DBS.280408 for an unknown one). Answers either the request or
 * the answer to send.
 */
export function beginApiRequest<Op extends OperationId>(
  ctx: MockContext,
  rc: RequestContext,
  operationId: Op,
  projectSegment: string,
): BegunApiRequest<Op> | Promise<BegunApiRequest<Op>> {
  const language = languageOf(rc.req.header(HEADER_LC.XLanguage));
  const faulted = applyApiFaults(rc, language);
  // Synchronous unless a fault rule adds latency (no promise, no microtask per request).
  return faulted instanceof Promise
    ? faulted.then((f) => afterFaults(ctx, rc, operationId, projectSegment, language, f))
    : afterFaults(ctx, rc, operationId, projectSegment, language, faulted);
}

export type BegunApiRequest<Op extends OperationId> = { request: ApiRequest<Op> } | { result: CoreResult };

function afterFaults<Op extends OperationId>(
  ctx: MockContext,
  rc: RequestContext,
  operationId: Op,
  projectSegment: string,
  language: Language,
  faulted: FaultOutcome,
): BegunApiRequest<Op> {
  const { req, ns, requestId } = rc;
  if (faulted?.result) return { result: faulted.result };
  const withFaults = (r: CoreResult): CoreResult => (faulted?.stream ? { ...r, faults: faulted.stream } : r);
  const fail = (code: ErrorCode, detail?: string) => withFaults(huaweiError(code, { language, requestId, detail }));

  const now = ns.clock.now();
  const auth = ctx.auth.authenticate(req, rc.url, now, ctx.wallClock());
  if (!auth.ok) return { result: fail(auth.code, auth.detail) };

  let prefs: Preferences;
  try {
    prefs = parsePrefer(req.header('prefer'));
  } catch (e) {
    return { result: fail('DBS.200001', (e as Error).message) };
  }
  const preferred = preferredExample(operationId, prefs.code, prefs.example);
  if (preferred === 'none') {
    const asked = [prefs.code && `code=${prefs.code}`, prefs.example && `example=${prefs.example}`].filter(Boolean);
    return { result: fail('DBS.200001', `Prefer asks for ${asked.join(', ')}, which the spec does not have`) };
  }
  if (preferred) return { result: withFaults(jsonResult(preferred.status, preferred.value, requestId)) };

  const projectId = safeDecode(projectSegment);
  const plain = plainQuery(req.rawQuery);
  const query: OperationQuery<Op> = plain ? { get: (name) => plain.get(name) ?? null } : rc.query();
  const check = validateRequest(operationId, {
    path: { project_id: projectId },
    query: plain ?? rc.query(),
    headers: req.headers(),
  });
  if (!check.valid) return { result: fail('DBS.200001', check.issues[0]!.message) };

  const project = ns.projects.get(projectId);
  if (!project) return { result: fail('DBS.280408') };
  return { request: { language, now, prefs, query, project, fail, withFaults } };
}
