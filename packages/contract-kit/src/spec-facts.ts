import { randomBytes } from 'node:crypto';
import { getErrorCode, getOperation, type OperationInfo, resolveRef } from '@dds-backup/contract';

/** The operation the conformance suite exercises. */
export const OPERATION_ID = 'ShowBackupDownloadLink';

/** What the spec says a refused call answers: one status, and the codes it may carry. */
export interface ExpectedError {
  status: number;
  codes: string[];
  /** The spec examples these facts were read from, for messages (`400 parameter-error`). */
  examples: string[];
}

/**
 * Reads an expected error from the operation's named response examples: the status is the
 * response the example sits under, the code is the example's `error_code`. The example names are
 * the spec's own identifiers (the mock's `Prefer: example=` uses them too); every fact behind
 * them comes from the spec, so a changed code or status in the spec changes the suite.
 */
export function expectedError(exampleNames: readonly string[], operationId = OPERATION_ID): ExpectedError {
  const op = getOperation(operationId);
  const found = exampleNames.map((name) => findErrorExample(op, name));
  const statuses = new Set(found.map((f) => f.status));
  if (statuses.size !== 1) {
    throw new Error(`Spec examples ${exampleNames.join(', ')} of ${operationId} sit under different statuses`);
  }
  return {
    status: found[0]!.status,
    codes: [...new Set(found.map((f) => f.code))],
    examples: found.map((f) => `${f.status} ${f.name}`),
  };
}

function findErrorExample(op: OperationInfo, name: string): { status: number; code: string; name: string } {
  const responses = (op.document.paths[op.path] as Record<string, any>)[op.method.toLowerCase()].responses as Record<
    string,
    unknown
  >;
  for (const [status, node] of Object.entries(responses)) {
    const [response] = resolveRef(op.document, node, '');
    const examples = response?.content?.['application/json']?.examples as Record<string, unknown> | undefined;
    if (!examples?.[name]) continue;
    const [example] = resolveRef(op.document, examples[name], '');
    const code = example?.value?.error_code;
    if (typeof code !== 'string') throw new Error(`Spec example ${name} of ${op.operationId} has no error_code`);
    // The error-code table and the response the example sits under must agree; if the spec ever
    // contradicts itself, say so rather than test a server against a guess.
    const tableStatus = getErrorCode(code)?.status;
    if (tableStatus !== undefined && String(tableStatus) !== status) {
      throw new Error(
        `Spec inconsistency: example ${name} (${code}) sits under ${status} but x-huawei-error-codes says ${tableStatus}`,
      );
    }
    return { status: Number(status), code, name };
  }
  throw new Error(`The spec has no response example named "${name}" for ${op.operationId}`);
}

/** The operation's required parameters, in spec order. */
export function requiredParameters(operationId = OPERATION_ID): OperationInfo['parameters'] {
  return getOperation(operationId).parameters.filter((p) => p.required);
}

/**
 * An id no server knows, in the shape Huawei's ids have (the parameter's `x-observed-pattern`,
 * e.g. 32 hex characters and `in02`), with random hex: servers that check the shape of an id
 * before looking it up still reach the lookup. Without such a pattern: random hex as long as the
 * parameter's example.
 */
export function unknownIdFor(parameterName: string, operationId = OPERATION_ID): string {
  const op = getOperation(operationId);
  const param = op.parameters.find((p) => p.name === parameterName);
  if (!param) throw new Error(`${operationId} has no parameter ${parameterName}`);
  const randomHex = (n: number) =>
    randomBytes(Math.ceil(n / 2))
      .toString('hex')
      .slice(0, n);
  const observed = param.schema['x-observed-pattern'];
  const shape = typeof observed === 'string' ? /^\^\[0-9a-f\]\{(\d+)\}([A-Za-z0-9]*)\$$/.exec(observed) : null;
  if (shape) return `${randomHex(Number(shape[1]))}${shape[2]}`;
  const pointer = param.schemaPointer.replace(/\/schema$/, '');
  const [node] = resolveRef(op.document, { $ref: `#${pointer}` });
  return randomHex(typeof node?.example === 'string' && node.example.length > 0 ? node.example.length : 32);
}

/** Header names the spec declares for a status of the operation (falls back to `default`). */
export function declaredHeaders(status: number | string, operationId = OPERATION_ID): string[] {
  const op = getOperation(operationId);
  return op.responseHeaders.get(String(status)) ?? op.responseHeaders.get('default') ?? [];
}

/** The success status the spec documents for the operation (its first 2xx response). */
export function successStatus(operationId = OPERATION_ID): number {
  const op = getOperation(operationId);
  const key = [...op.responseSchemas.keys()].find((k) => /^2[0-9][0-9]$/.test(k));
  if (!key) throw new Error(`${operationId} documents no 2xx answer`);
  return Number(key);
}
