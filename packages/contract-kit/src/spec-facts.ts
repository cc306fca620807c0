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
 * A value shaped like the parameter's spec example (same length, same non-hex suffix such as
 * `in02`) that no server knows: the hex part is random. Servers that check the shape of ids
 * before looking them up still reach the lookup.
 */
export function unknownIdFor(parameterName: string, operationId = OPERATION_ID): string {
  const op = getOperation(operationId);
  const param = op.parameters.find((p) => p.name === parameterName);
  if (!param) throw new Error(`${operationId} has no parameter ${parameterName}`);
  const pointer = param.schemaPointer.replace(/\/schema$/, '');
  const node = pointer
    .slice(1)
    .split('/')
    .reduce<any>((o, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], op.document);
  const example = typeof node?.example === 'string' ? node.example : undefined;
  const match = example ? /^([0-9a-f]+)(.*)$/.exec(example) : null;
  if (!match) return `unknown-${randomBytes(8).toString('hex')}`;
  const hexLength = match[1]!.length;
  return randomBytes(Math.ceil(hexLength / 2))
    .toString('hex')
    .slice(0, hexLength)
    .concat(match[2]!);
}

/** Header names the spec declares for a status of the operation (falls back to `default`). */
export function declaredHeaders(status: number | string, operationId = OPERATION_ID): string[] {
  const op = getOperation(operationId);
  return op.responseHeaders.get(String(status)) ?? op.responseHeaders.get('default') ?? [];
}
