/** Schema keywords that only annotate: they accept every value. */
const ANNOTATIONS = new Set(['description', 'default', 'example', 'examples', 'title', 'deprecated']);
/** The keywords the check reads. */
const READ = new Set(['type', 'minLength', 'maxLength', 'pattern', 'enum']);

/**
 * A check that accepts, without ajv, values the parameter's schema surely accepts: built from the
 * schema's own keywords (string type, minLength, maxLength, pattern, enum) when it has no other;
 * undefined for any other schema. It never refuses: a value it does not accept goes to ajv, so the
 * issues of a bad value are ajv's, word for word. Why: ajv's compiled checks were the largest part
 * of the request validation on the mock's hot API route (issue #15), and the ids, tokens and
 * languages it sees have plain string schemas.
 */
export function quickAcceptor(schema: Record<string, unknown>): ((value: string) => boolean) | undefined {
  for (const k of Object.keys(schema)) {
    if (!k.startsWith('x-') && !ANNOTATIONS.has(k) && !READ.has(k)) return undefined;
  }
  if (schema.type !== 'string') return undefined;
  const { minLength, maxLength, pattern } = schema as { minLength?: unknown; maxLength?: unknown; pattern?: unknown };
  if (minLength !== undefined && typeof minLength !== 'number') return undefined;
  if (maxLength !== undefined && typeof maxLength !== 'number') return undefined;
  if (pattern !== undefined && typeof pattern !== 'string') return undefined;
  if (schema.enum !== undefined && !Array.isArray(schema.enum)) return undefined;
  const min = minLength ?? 0;
  const max = maxLength ?? Number.POSITIVE_INFINITY;
  // ajv's own flag: patterns are Unicode regular expressions.
  const re = pattern === undefined ? undefined : new RegExp(pattern, 'u');
  const allowed = schema.enum === undefined ? undefined : new Set(schema.enum as unknown[]);
  // ajv counts code points; a string has at most `length` of them and at least half as many,
  // so these bounds hold for every string that passes them.
  return (value) =>
    value.length <= max &&
    Math.ceil(value.length / 2) >= min &&
    (re === undefined || re.test(value)) &&
    (allowed === undefined || allowed.has(value));
}
