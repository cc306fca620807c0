import { HEADER_LC, validateRequest } from '@dds-backup/contract';
import type { MockContext, RequestContext } from '../context.js';
import { jsonResult } from '../errors.js';
import type { CoreResult } from '../http/core.js';

/** IAM's own error shape (`{"error": {"code", "message", "title"}}`), as the IAM spec says. */
function iamError(status: number, title: string, message: string, requestId: string): CoreResult {
  return jsonResult(status, { error: { code: status, message, title } }, requestId);
}

/** IAM writes times as RFC 3339 with microseconds. */
const iamTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/**
 * `POST /v3/auth/tokens` (password identity): answers 201 with the token in `X-Subject-Token`.
 * The token is accepted by the DDS route until 24 hours of mock clock have passed (then 401
 * APIGW.0307). Any user and password pass unless `users` was configured.
 */
export async function createToken(ctx: MockContext, rc: RequestContext): Promise<CoreResult> {
  const { requestId } = rc;
  // Read outside the try: a body over the limit is a 413 (the handler's), not "not JSON".
  const raw = (await rc.req.body()).toString('utf8');
  let body: any;
  try {
    body = JSON.parse(raw);
  } catch {
    return iamError(400, 'Bad Request', 'The request body is not valid JSON.', requestId);
  }
  const check = validateRequest('KeystoneCreateUserTokenByPassword', { body });
  if (!check.valid) return iamError(400, 'Bad Request', `Invalid request: ${check.issues[0]!.message}.`, requestId);
  const user = body.auth.identity.password.user as { name: string; password: string; domain: { name: string } };
  if (
    ctx.users &&
    !ctx.users.some(
      (u) =>
        u.name === user.name &&
        u.password === user.password &&
        (u.domain === undefined || u.domain === user.domain.name),
    )
  ) {
    return iamError(401, 'Unauthorized', 'The username or password is wrong.', requestId);
  }
  const scope = body.auth.scope.project as { name?: string; id?: string };
  const project = findProject(rc, scope.name, scope.id);
  const now = rc.ns.clock.now();
  const { token, expiresAt } = ctx.auth.issueToken({ user: user.name, project: project?.id ?? '' }, now);
  return jsonResult(
    201,
    {
      token: {
        expires_at: iamTime(expiresAt),
        issued_at: iamTime(now),
        methods: ['password'],
        user: { name: user.name, domain: { name: user.domain.name } },
        ...(project ? { project: { id: project.id, name: project.name } } : {}),
      },
    },
    requestId,
    { [HEADER_LC.XSubjectToken]: token },
  );
}

/** The project of a region: by name, else by id, else (any other region name) the first project. */
function findProject(
  rc: RequestContext,
  name: string | undefined,
  id?: string,
): { id: string; name: string } | undefined {
  const projects = [...rc.ns.projects.values()].map((p) => p.def);
  const hit = projects.find((p) => p.name === name) ?? projects.find((p) => p.id === id);
  if (hit) return { id: hit.id, name: hit.name };
  const first = projects[0];
  return first ? { id: first.id, name: name ?? first.name } : undefined;
}

/**
 * `GET /v3/projects?name={region}`: `projects[0].id` is the mock's project id. Every region name
 * resolves (to the project of that name, else the first project), so a client configured for
 * any region works against the mock.
 */
export function listProjects(ctx: MockContext, rc: RequestContext): CoreResult {
  const { requestId, req } = rc;
  const auth = ctx.auth.authenticate(req, rc.url, rc.ns.clock.now(), ctx.wallClock());
  if (!auth.ok) {
    return iamError(
      401,
      'Unauthorized',
      auth.code === 'APIGW.0301' ? `Authentication failed: ${auth.detail}.` : 'The token must be updated.',
      requestId,
    );
  }
  const name = rc.query().get('name') ?? undefined;
  if (name === undefined) {
    return jsonResult(
      200,
      { projects: [...rc.ns.projects.values()].map((p) => ({ id: p.def.id, name: p.def.name, enabled: true })) },
      requestId,
    );
  }
  const project = findProject(rc, name);
  return jsonResult(200, { projects: project ? [{ ...project, enabled: true }] : [] }, requestId);
}
