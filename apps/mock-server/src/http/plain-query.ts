/**
 * A query string's parameters (the first value of each name, by name) without URLSearchParams, when
 * reading it needs no decoding: no `%` and no `+` (the only characters the WHATWG parser
 * rewrites) and no leading `?`, so each name and value is its text between `&` and `=`, exactly what
 * `new URLSearchParams(raw).get(name)` answers. Undefined otherwise: the caller parses with
 * URLSearchParams. Why: building a URLSearchParams was the largest single cost of the mock's
 * hot API route after the validators (issue #15).
 */
export function plainQuery(raw: string): Map<string, string> | undefined {
  // A leading `?` (a request target with `??`) is one URLSearchParams drops: left to it.
  if (raw.includes('%') || raw.includes('+') || raw.startsWith('?')) return undefined;
  const out = new Map<string, string>();
  let at = 0;
  while (at <= raw.length) {
    let end = raw.indexOf('&', at);
    if (end < 0) end = raw.length;
    if (end > at) {
      const eq = raw.indexOf('=', at);
      const name = eq < 0 || eq > end ? raw.slice(at, end) : raw.slice(at, eq);
      // The first value of a repeated name, as URLSearchParams.get answers.
      if (!out.has(name)) out.set(name, eq < 0 || eq > end ? '' : raw.slice(eq + 1, end));
    }
    at = end + 1;
  }
  return out;
}
