// The one `$ref` resolver of the project. It imports nothing, so the generator
// (scripts/generate.mjs, plain Node) can load this very file through TypeScript's transpiler:
// the generated files, the contract, the mock and the contract kit all follow refs one way.

/** Decodes one JSON-pointer segment (`~1` is `/`, `~0` is `~`). */
export const unescapePointer = (s: string): string => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** Encodes one JSON-pointer segment. */
export const escapePointer = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Follows internal `$ref`s (`#/...`) from `node` inside `doc`; returns the node reached and the
 * JSON pointer it was found at (`pointer` when `node` is no ref). Throws on an external or
 * circular ref (more than 32 hops): the specs have neither, so one is a bug in the spec.
 */
export function resolveRef(doc: unknown, node: unknown, pointer = ''): [any, string] {
  let current: any = node;
  let at = pointer;
  for (let hops = 0; current && typeof current.$ref === 'string'; hops++) {
    if (hops > 32 || !current.$ref.startsWith('#/')) throw new Error(`Unresolvable $ref ${current.$ref}`);
    at = current.$ref.slice(1);
    current = at
      .slice(1)
      .split('/')
      .reduce((o: any, k: string) => o?.[unescapePointer(k)], doc);
  }
  return [current, at];
}
