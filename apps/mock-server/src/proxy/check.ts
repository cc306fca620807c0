import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { listOperations, type OperationInfo, type ValidationIssue, validateResponse } from '@dds-backup/contract';

/** The documents whose operations the proxy checks: the DDS API and the IAM calls around it. */
const CHECKED_DOCUMENTS = new Set(['dds-backup', 'iam']);

interface Route {
  op: OperationInfo;
  pattern: RegExp;
  params: number;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `/v3/{project_id}/backups/download-file` -> a regex matching one non-empty segment per parameter. */
function routeOf(op: OperationInfo): Route {
  const parts = op.path.split(/(\{[^}]+\})/);
  const source = parts.map((p) => (p.startsWith('{') ? '([^/]+)' : escapeRegExp(p))).join('');
  return { op, pattern: new RegExp(`^${source}$`), params: parts.filter((p) => p.startsWith('{')).length };
}

let routes: Route[] | undefined;

/** The spec operation a request is for (literal paths win over templated ones), if any. */
export function matchOperation(method: string, path: string): OperationInfo | undefined {
  routes ??= listOperations()
    .filter((op) => CHECKED_DOCUMENTS.has(op.documentId))
    .map(routeOf)
    .sort((a, b) => a.params - b.params);
  return routes.find((r) => r.op.method === method && r.pattern.test(path))?.op;
}

/** The response key of the spec that covers a status (as `validateResponse` picks it). */
function responseKey(op: OperationInfo, status: number): string | undefined {
  const key = String(status);
  const candidates = [key, `${key[0]}XX`, 'default'];
  return candidates.find((k) => op.responseSchemas.has(k));
}

const isJsonType = (contentType: string | undefined) => {
  const essence = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return essence === 'application/json' || essence.endsWith('+json');
};

/** The body with its `Content-Encoding` undone (the bytes passed on stay encoded). */
function decode(body: Buffer, encoding: string | undefined): Buffer | ValidationIssue {
  const codings = (encoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity')
    .reverse();
  let out = body;
  for (const coding of codings) {
    try {
      if (coding === 'gzip' || coding === 'x-gzip') out = gunzipSync(out);
      else if (coding === 'br') out = brotliDecompressSync(out);
      else if (coding === 'deflate') {
        // Servers send both zlib-wrapped and raw deflate under this name.
        try {
          out = inflateSync(out);
        } catch {
          out = inflateRawSync(out);
        }
      } else {
        return {
          path: 'headers.Content-Encoding',
          keyword: 'content-encoding',
          message: `the body's Content-Encoding \`${coding}\` cannot be decoded by the proxy, so the body was not checked`,
        };
      }
    } catch {
      return {
        path: 'headers.Content-Encoding',
        keyword: 'content-encoding',
        message: `the body does not decode as Content-Encoding \`${coding}\``,
      };
    }
  }
  return out;
}

/**
 * Checks an upstream answer against the operation's documented response: the status, the
 * headers the spec declares, the media type, and the JSON body against the schema.
 * `headers` has lower-case names.
 */
export function checkAnswer(
  op: OperationInfo,
  answer: { status: number; headers: Record<string, string>; body: Buffer },
  head: boolean,
): ValidationIssue[] {
  const key = responseKey(op, answer.status);
  const expectsJson = key !== undefined && op.responseSchemas.get(key) !== undefined && !head;
  if (!expectsJson) return validateResponse(op.operationId, answer.status, undefined, answer).issues;

  const issues: ValidationIssue[] = [];
  const contentType = answer.headers['content-type'];
  if (!isJsonType(contentType)) {
    issues.push({
      path: 'headers.Content-Type',
      keyword: 'content-type',
      message:
        contentType === undefined
          ? 'response header `Content-Type` is missing, the spec documents application/json'
          : `response header \`Content-Type\` is \`${contentType}\`, the spec documents application/json`,
    });
  }
  const decoded = decode(answer.body, answer.headers['content-encoding']);
  let body: unknown;
  let parsed = false;
  if (!Buffer.isBuffer(decoded)) issues.push(decoded);
  else if (decoded.length === 0)
    issues.push({ path: '', keyword: 'json', message: 'the body is empty, the spec documents a JSON body' });
  else {
    try {
      body = JSON.parse(decoded.toString('utf8'));
      parsed = true;
    } catch {
      // The parser's message quotes the body: say what is wrong without copying it.
      issues.push({ path: '', keyword: 'json', message: `the body is not valid JSON (${decoded.length} bytes)` });
    }
  }
  const check = validateResponse(op.operationId, answer.status, body, answer).issues;
  // Without a parsed body, schema issues would only repeat "not JSON": keep status and headers.
  issues.push(...(parsed ? check : check.filter((i) => i.keyword === 'status' || i.path.startsWith('headers.'))));
  return issues;
}
