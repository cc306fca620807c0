import { createRequire } from 'node:module';
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { HEADER_LC } from './generated/headers.js';
import { getOperation, type OperationInfo, registeredDocuments } from './operations.js';
import { quickAcceptor } from './quick-acceptor.js';

// ajv is loaded on first validation, not at import: the client and the CLI import this package
// for its types, regions and time parsing, and ajv's load time would land on every start-up.
// ajv and ajv-formats are CommonJS, so a lazy require keeps the validators synchronous. The
// require function itself is made on first use too: createRequire starts the CommonJS loader
// (~2 ms), which a client that never validates should not pay at start-up (issue #15).

/** One problem found by a validator: where, and what was expected, in words a person can act on. */
export interface ValidationIssue {
  /** Where in the checked value, as a JSON pointer ('' is the whole value), or `query.backup_id`-style for parameters. */
  path: string;
  /** What is wrong and what was expected. */
  message: string;
  /** The JSON Schema keyword that failed (`required`, `type`, `pattern`, ...). */
  keyword: string;
}

export type ValidationResult = { valid: true; issues: [] } | { valid: false; issues: ValidationIssue[] };

let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

function getAjv(): Ajv2020 {
  if (ajv) return ajv;
  const require = createRequire(import.meta.url);
  const { Ajv2020: AjvClass } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const formats = require('ajv-formats') as { default: (a: Ajv2020) => void };
  ajv = new AjvClass({ allErrors: true, verbose: true, strict: true, strictTypes: false, validateFormats: true });
  formats.default(ajv);
  // OpenAPI formats ajv-formats does not know: numeric ranges are enforced by `type`/`minimum`.
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => n >= -(2 ** 31) && n < 2 ** 31 });
  // Annotations OpenAPI allows inside schemas, and our own x- extensions.
  ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
  // Each document is added whole, so `$ref: '#/components/...'` resolves inside it; ajv sees
  // the document root as a schema, so its top-level OpenAPI keys are declared as annotations.
  ajv.addVocabulary([
    'openapi',
    'info',
    'servers',
    'paths',
    'components',
    'security',
    'tags',
    'webhooks',
    'jsonSchemaDialect',
  ]);
  // One set over every document: a keyword added without a definition is not reported by
  // `getKeyword`, and two documents may share an extension (`x-doc-source`).
  const keywords = new Set<string>();
  for (const doc of registeredDocuments().values()) collectExtensionKeywords(doc, keywords);
  for (const keyword of keywords) ajv.addKeyword(keyword);
  for (const [id, doc] of registeredDocuments()) ajv.addSchema(doc as object, id, undefined, false);
  return ajv;
}

function collectExtensionKeywords(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) collectExtensionKeywords(n, found);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k.startsWith('x-')) found.add(k);
      collectExtensionKeywords(v, found);
    }
  }
  return found;
}

function validatorAt(documentId: string, pointer: string): ValidateFunction {
  const key = `${documentId}#${pointer}`;
  let fn = compiled.get(key);
  if (!fn) {
    fn = getAjv().getSchema(key);
    if (!fn) throw new Error(`No schema at ${key}`);
    compiled.set(key, fn);
  }
  return fn;
}

function describe(error: ErrorObject, schemaOf: (e: ErrorObject) => any): ValidationIssue {
  const path = error.instancePath;
  const where = path === '' ? 'the body' : `\`${path}\``;
  const p = error.params as Record<string, any>;
  let message: string;
  switch (error.keyword) {
    case 'required':
      message = `${where} is missing the required property \`${p.missingProperty}\``;
      break;
    case 'additionalProperties': {
      const allowed = Object.keys(schemaOf(error)?.properties ?? {});
      message = `${where} has an unexpected property \`${p.additionalProperty}\`${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`;
      break;
    }
    case 'unevaluatedProperties':
      message = `${where} has an unexpected property \`${p.unevaluatedProperty}\``;
      break;
    case 'type':
      message = `${where} must be of type ${p.type}`;
      break;
    case 'pattern': {
      const example = schemaOf(error)?.examples?.[0];
      message = `${where} must match ${p.pattern}${example ? `, like "${example}"` : ''}`;
      break;
    }
    case 'format':
      message = `${where} must be a valid ${p.format}`;
      break;
    case 'enum':
      message = `${where} must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    default:
      message = `${where} ${error.message ?? 'is invalid'}`;
  }
  return { path, message, keyword: error.keyword };
}

function run(documentId: string, pointer: string, value: unknown, prefix = ''): ValidationIssue[] {
  const fn = validatorAt(documentId, pointer);
  if (fn(value)) return [];
  return (fn.errors ?? []).map((e) => {
    const issue = describe(e, () => e.parentSchema);
    return prefix
      ? { ...issue, path: `${prefix}${issue.path}`, message: issue.message.replace(/^the body/, prefix) }
      : issue;
  });
}

/** Compiled schemas of parameters, held by the parameter: no key string built per request. */
const parameterValidators = new WeakMap<object, ValidateFunction>();

function parameterValidator(documentId: string, param: OperationInfo['parameters'][number]): ValidateFunction {
  let fn = parameterValidators.get(param);
  if (!fn) {
    fn = validatorAt(documentId, param.schemaPointer);
    parameterValidators.set(param, fn);
  }
  return fn;
}

/** Quick acceptors of parameters, held by the parameter (null: its schema has none). */
const quickAcceptors = new WeakMap<object, ((value: string) => boolean) | null>();

function quickAcceptorOf(param: OperationInfo['parameters'][number]): ((value: string) => boolean) | null {
  let fn = quickAcceptors.get(param);
  if (fn === undefined) {
    fn = quickAcceptor(param.schema) ?? null;
    quickAcceptors.set(param, fn);
  }
  return fn;
}

const result = (issues: ValidationIssue[]): ValidationResult =>
  issues.length === 0 ? { valid: true, issues: [] } : { valid: false, issues };

/**
 * Validates a response body against the spec: the schema of `operationId`'s answer for `status`
 * (falling back to `default`). A status the operation does not document is itself an issue.
 */
export function validateResponse(
  operationId: string,
  status: number | string,
  body: unknown,
  options: { headers?: Headers | Record<string, string> } = {},
): ValidationResult {
  const op = getOperation(operationId);
  const key = String(status);
  const schemas = op.responseSchemas;
  const statusKey = schemas.has(key)
    ? key
    : schemas.has(`${key[0]}XX`)
      ? `${key[0]}XX`
      : schemas.has('default')
        ? 'default'
        : undefined;
  if (!statusKey) {
    return result([
      {
        path: '',
        keyword: 'status',
        message: `status ${key} is not documented for ${operationId} (documented: ${[...schemas.keys()].join(', ')})`,
      },
    ]);
  }
  const issues: ValidationIssue[] = [];
  const pointer = schemas.get(statusKey);
  if (pointer) issues.push(...run(op.documentId, pointer, body));
  if (options.headers) {
    const has = (name: string) =>
      options.headers instanceof Headers
        ? options.headers.has(name)
        : Object.keys(options.headers ?? {}).some((h) => h.toLowerCase() === name.toLowerCase());
    for (const name of op.responseHeaders.get(statusKey) ?? []) {
      // Every header the spec lists for a response is sent by the real gateway, except
      // Retry-After, which only some throttling answers carry.
      if (name.toLowerCase() !== HEADER_LC.RetryAfter && !has(name)) {
        issues.push({
          path: `headers.${name}`,
          keyword: 'required',
          message: `response header \`${name}\` is missing`,
        });
      }
    }
  }
  return result(issues);
}

/** A request as the validator sees it: parameters by location, and the JSON body if any. */
export interface RequestParts {
  path?: Record<string, string | undefined>;
  /** A map is what a server's own plain query parse answers (the mock's, see its plain-query.ts). */
  query?: Record<string, string | undefined> | URLSearchParams | ReadonlyMap<string, string>;
  headers?: Record<string, string | undefined> | Headers;
  body?: unknown;
}

function lookup(source: RequestParts[keyof RequestParts], name: string, caseInsensitive: boolean): string | undefined {
  if (!source) return undefined;
  // URLSearchParams, Headers or a Map: told apart by their get(), not by instanceof (the global
  // Headers is a lazy getter in Node, one call per look-up on a server's hot path). A record's
  // values are strings, never a function.
  const getter = source as { get?: unknown };
  if (typeof getter.get === 'function')
    return (source as { get(n: string): string | null | undefined }).get(name) ?? undefined;
  const rec = source as Record<string, string | undefined>;
  if (!caseInsensitive) return rec[name];
  // node:http's headers are lower-case: found without scanning every key (a server's hot path).
  const lower = rec[name.toLowerCase()];
  if (lower !== undefined) return lower;
  const key = Object.keys(rec).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : rec[key];
}

/** A plain decimal integer, as a query or header carries one (no `+`, no exponent, no spaces). */
const DECIMAL_INTEGER = /^-?(0|[1-9][0-9]*)$/;

/**
 * Parameters arrive as text; a parameter whose schema is an integer (`limit`, `offset`) is
 * checked as a number when the text is a plain decimal integer, and as the text otherwise (so
 * `limit=ten` fails with a type error rather than passing as a string). DECISIONS.md D-26.
 */
function parameterValue(schema: Record<string, unknown>, value: string): unknown {
  const type = schema.type;
  const numeric = type === 'integer' || type === 'number';
  return numeric && DECIMAL_INTEGER.test(value) ? Number(value) : value;
}

/**
 * Validates a request's parameters (and JSON body) against the spec. Issues name the
 * parameter as `query.backup_id`, `path.project_id`, `header.X-Language` or `body/...`.
 * The operation's `x-parameter-dependencies` (`begin_time` needs `end_time`, ...) are checked too.
 */
export function validateRequest(operationId: string, parts: RequestParts): ValidationResult {
  const op: OperationInfo = getOperation(operationId);
  const issues: ValidationIssue[] = [];
  for (const param of op.parameters) {
    const source = param.in === 'path' ? parts.path : param.in === 'query' ? parts.query : parts.headers;
    const value = lookup(source, param.name, param.in === 'header');
    if (value === undefined || value === '') {
      if (param.required)
        issues.push({
          path: `${param.in}.${param.name}`,
          keyword: 'required',
          message: `${param.in} parameter \`${param.name}\` is required`,
        });
      continue;
    }
    if (quickAcceptorOf(param)?.(value)) continue;
    const fn = parameterValidator(op.documentId, param);
    const checked = parameterValue(param.schema, value);
    if (fn(checked)) continue;
    for (const issue of run(op.documentId, param.schemaPointer, checked)) {
      issues.push({
        ...issue,
        path: `${param.in}.${param.name}`,
        message: issue.message.replace(/^the body/, `${param.in} parameter \`${param.name}\``),
      });
    }
  }
  for (const rule of op.parameterDependencies) {
    const param = (name: string) => op.parameters.find((p) => p.name === name);
    const read = (name: string) => {
      const p = param(name);
      if (!p) return undefined;
      const source = p.in === 'path' ? parts.path : p.in === 'query' ? parts.query : parts.headers;
      const v = lookup(source, p.name, p.in === 'header');
      return v === '' ? undefined : v;
    };
    const trigger = read(rule.when);
    if (trigger === undefined || (rule.equals !== undefined && trigger !== rule.equals)) continue;
    if (read(rule.requires) !== undefined) continue;
    const where = param(rule.requires)?.in ?? 'query';
    issues.push({
      path: `${where}.${rule.requires}`,
      keyword: 'dependentRequired',
      message:
        rule.equals === undefined
          ? `${param(rule.when)?.in ?? 'query'} parameter \`${rule.when}\` needs \`${rule.requires}\``
          : `${param(rule.when)?.in ?? 'query'} parameter \`${rule.when}=${rule.equals}\` needs \`${rule.requires}\``,
    });
  }
  if (op.requestBodySchema) issues.push(...run(op.documentId, op.requestBodySchema, parts.body, 'body'));
  return result(issues);
}

/** Validates any value against a named component schema of a document (default: the DDS spec). */
export function validateSchema(schemaName: string, value: unknown, documentId = 'dds-backup'): ValidationResult {
  return result(run(documentId, `/components/schemas/${schemaName}`, value));
}

/** Turns issues into one readable multi-line message. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `  - ${i.message}`).join('\n');
}
