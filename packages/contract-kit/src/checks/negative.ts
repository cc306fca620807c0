import { randomBytes } from 'node:crypto';
import { type operations, TOKEN_HEADER } from '@dds-backup/contract';
import { type ConformanceInput, checkConforms } from '../assert-conforms.js';
import { type ConformanceIssue, formatConformanceIssues, showValue } from '../conformance-issue.js';
import { type ExpectedError, expectedError, OPERATION_ID, requiredParameters, unknownIdFor } from '../spec-facts.js';
import { type CheckResult, describeError, fail, pass, since } from './check.js';
import { callWithCredentials, callWithout, type SuiteContext } from './context.js';

type Query = operations[typeof OPERATION_ID]['parameters']['query'];
// Names of the spec's parameters; `satisfies` ties them to the generated types, so renaming a
// parameter in the spec breaks this build instead of silently testing the wrong thing.
const INSTANCE_PARAM = 'instance_id' satisfies keyof Query;
const BACKUP_PARAM = 'backup_id' satisfies keyof Query;

/** A negative call: how to make it, and what the spec says it answers. */
export interface NegativeCase {
  name: string;
  /** What the call does, for reports. */
  description: string;
  expected: ExpectedError;
  /** Said when the server accepts the call (answers 2xx), to point at the likely cause. */
  hintWhenAccepted?: string;
  call(ctx: SuiteContext): Promise<ConformanceInput>;
}

/**
 * The negative calls, generated from the spec: one per required parameter that a request can
 * leave out (a path parameter cannot be left out: the URL without it is another route), then no
 * credentials, a wrong token, an unknown instance and an unknown backup. Expected statuses and
 * codes are read from the spec's named response examples.
 */
export function negativeCases(operationId = OPERATION_ID): NegativeCase[] {
  const parameterError = expectedError(['parameter-error'], operationId);
  const omittable = requiredParameters(operationId).filter((p) => p.in !== 'path');
  return [
    ...omittable.map(
      (p): NegativeCase => ({
        name: `missing-parameter.${p.name}`,
        description: `the ${p.in} parameter \`${p.name}\` left out`,
        expected: parameterError,
        call: (ctx) => callWithCredentials(ctx, { ...ctx.values, [p.name]: undefined }),
      }),
    ),
    {
      name: 'no-credentials',
      description: `no ${TOKEN_HEADER} and no AK/SK signature`,
      expected: expectedError(['token-missing'], operationId),
      call: (ctx) => callWithout(ctx, ctx.values),
    },
    {
      name: 'wrong-token',
      description: `a made-up token in the ${TOKEN_HEADER} header`,
      expected: expectedError(['token-expired', 'token-missing'], operationId),
      hintWhenAccepted:
        'the server accepted a made-up token (dds-backup-mock accepts any non-empty token unless started with --token)',
      call: (ctx) =>
        callWithout(ctx, ctx.values, {
          [TOKEN_HEADER]: `dds-backup-contract-wrong-${randomBytes(12).toString('hex')}`,
        }),
    },
    {
      name: 'unknown-instance',
      description: `an \`${INSTANCE_PARAM}\` no server knows`,
      expected: expectedError(['instance-not-found'], operationId),
      call: (ctx) => callWithCredentials(ctx, { ...ctx.values, [INSTANCE_PARAM]: unknownIdFor(INSTANCE_PARAM) }),
    },
    {
      name: 'unknown-backup',
      description: `a \`${BACKUP_PARAM}\` no server knows, with the real instance`,
      expected: expectedError(['backup-not-found'], operationId),
      call: (ctx) => callWithCredentials(ctx, { ...ctx.values, [BACKUP_PARAM]: unknownIdFor(BACKUP_PARAM) }),
    },
  ];
}

const describeExpected = (e: ExpectedError) =>
  `${e.status} ${e.codes.join(' or ')} (spec example${e.examples.length > 1 ? 's' : ''} ${e.examples.join(', ')})`;

/** Runs one negative call: the documented status, a body valid against the error schema, the documented code. */
export async function runNegativeCase(ctx: SuiteContext, c: NegativeCase): Promise<CheckResult> {
  const start = performance.now();
  let input: ConformanceInput;
  try {
    input = await c.call(ctx);
  } catch (error) {
    return fail(c.name, `${c.description}: the call failed: ${describeError(error)}`, since(start));
  }
  const durationMs = since(start);
  const result = await checkConforms(ctx.op.operationId, input, { status: c.expected.status });
  const issues: ConformanceIssue[] = [...result.issues];
  const code = (result.body as { error_code?: unknown } | undefined)?.error_code;
  const message = (result.body as { error_msg?: unknown } | undefined)?.error_msg;
  if (result.body !== undefined && typeof result.body === 'object' && !c.expected.codes.includes(code as string)) {
    issues.push({ path: '/error_code', expected: `must be ${c.expected.codes.join(' or ')}`, actual: showValue(code) });
  } else if (result.body === undefined || typeof result.body !== 'object') {
    issues.push({ path: '/error_code', expected: `must be ${c.expected.codes.join(' or ')}`, actual: 'nothing' });
  }
  const got = `${result.status}${typeof code === 'string' ? ` ${code}` : ''}`;
  if (issues.length === 0) {
    return pass(
      c.name,
      `${c.description}: ${got} as documented${typeof message === 'string' ? ` ("${message}")` : ''}`,
      durationMs,
    );
  }
  const accepted = result.status >= 200 && result.status < 300;
  const hint = accepted ? ` (${c.hintWhenAccepted ?? 'the server accepted the call'})` : '';
  return fail(
    c.name,
    `${c.description}: expected ${describeExpected(c.expected)}; got ${got}${hint}:\n${formatConformanceIssues(issues)}`,
    durationMs,
  );
}
