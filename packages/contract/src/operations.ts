import { allSpecs } from './generated/specs.js';
import type { OpenApiDocument } from './openapi-document.js';
import { escapePointer, resolveRef } from './resolve-ref.js';

/** A parameter of an operation, with its $ref resolved. */
export interface OperationParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: Record<string, unknown>;
  /** JSON pointer of the parameter's schema inside its document (for validators). */
  schemaPointer: string;
}

/** A rule between two parameters (`x-parameter-dependencies`): `when` is present (and equals `equals`), `requires` must be too. */
export interface ParameterDependency {
  when: string;
  equals?: string;
  requires: string;
}

/** How a list operation pages (`x-paging`): offset/limit parameters against a total in the answer. */
export interface PagingInfo {
  style: 'offset-limit';
  /** Query parameter of the first item's index. */
  offset: string;
  /** Query parameter of the page size. */
  limit: string;
  /** The answer's array of items. */
  items: string;
  /** The answer's count of items over all pages. */
  total: string;
  /** The limit's default and maximum, from its schema. */
  defaultLimit: number;
  maxLimit: number;
}

/** What runtime code needs to know of one operation of a spec. */
export interface OperationInfo {
  operationId: string;
  method: string;
  path: string;
  document: OpenApiDocument;
  documentId: string;
  parameters: OperationParameter[];
  /** status ('200', '400', 'default') -> JSON pointer of the response's JSON schema, if any. */
  responseSchemas: Map<string, string | undefined>;
  /** status -> header names the spec declares for that response. */
  responseHeaders: Map<string, string[]>;
  /** Pointer of the JSON request body schema, if the operation takes one. */
  requestBodySchema?: string;
  /** Rules between parameters (`x-parameter-dependencies`); empty when none. */
  parameterDependencies: ParameterDependency[];
  /** Paging of a list operation (`x-paging`), else undefined. */
  paging?: PagingInfo;
  /** Error codes the operation can answer (`x-error-codes`); empty when not listed. */
  errorCodes: string[];
}

export { resolveRef };

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function indexDocument(doc: OpenApiDocument, documentId: string, into: Map<string, OperationInfo>) {
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = (item as Record<string, any>)[method];
      if (!op?.operationId) continue;
      const opPointer = `/paths/${escapePointer(path)}/${method}`;
      const parameters: OperationParameter[] = (op.parameters ?? []).map((p: unknown, i: number) => {
        const [param, at] = resolveRef(doc, p, `${opPointer}/parameters/${i}`);
        return {
          name: param.name,
          in: param.in,
          required: param.required === true,
          schema: param.schema ?? {},
          schemaPointer: `${at}/schema`,
        } satisfies OperationParameter;
      });
      const responseSchemas = new Map<string, string | undefined>();
      const responseHeaders = new Map<string, string[]>();
      for (const [status, r] of Object.entries(op.responses ?? {})) {
        const [response, at] = resolveRef(doc, r, `${opPointer}/responses/${status}`);
        const json = response?.content?.['application/json'];
        responseSchemas.set(status, json?.schema ? `${at}/content/application~1json/schema` : undefined);
        responseHeaders.set(status, Object.keys(response?.headers ?? {}));
      }
      const body = op.requestBody ? resolveRef(doc, op.requestBody, `${opPointer}/requestBody`) : undefined;
      const xPaging = op['x-paging'] as Omit<PagingInfo, 'defaultLimit' | 'maxLimit'> | undefined;
      const limitSchema = parameters.find((p) => p.name === xPaging?.limit)?.schema as
        | { default?: number; maximum?: number }
        | undefined;
      const paging: PagingInfo | undefined = xPaging
        ? { ...xPaging, defaultLimit: limitSchema?.default ?? 100, maxLimit: limitSchema?.maximum ?? 100 }
        : undefined;
      into.set(op.operationId, {
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        document: doc,
        documentId,
        parameters,
        responseSchemas,
        responseHeaders,
        requestBodySchema: body?.[0]?.content?.['application/json']?.schema
          ? `${body[1]}/content/application~1json/schema`
          : undefined,
        parameterDependencies: (op['x-parameter-dependencies'] ?? []) as ParameterDependency[],
        paging,
        errorCodes: (op['x-error-codes'] ?? []) as string[],
      });
    }
  }
}

const registry = new Map<string, OperationInfo>();
const documents = new Map<string, OpenApiDocument>();

/** Adds a document's operations to the registry (the mock registers its admin API this way). */
export function registerDocument(documentId: string, doc: OpenApiDocument): void {
  if (documents.has(documentId)) return;
  documents.set(documentId, doc);
  indexDocument(doc, documentId, registry);
}

for (const [id, doc] of Object.entries(allSpecs)) registerDocument(id, doc);

/** Every registered document by id ('dds-backup', 'iam', 'mock-admin'). */
export function registeredDocuments(): ReadonlyMap<string, OpenApiDocument> {
  return documents;
}

/** Looks up an operation by its operationId; throws a clear error for an unknown one. */
export function getOperation(operationId: string): OperationInfo {
  const op = registry.get(operationId);
  if (!op) {
    throw new Error(`Unknown operationId "${operationId}". Known: ${[...registry.keys()].sort().join(', ')}.`);
  }
  return op;
}

/** All known operations. */
export function listOperations(): OperationInfo[] {
  return [...registry.values()];
}
