import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../errors.js';

/**
 * The CA list to verify servers against when extra CAs are given: Node's bundled roots, the
 * certificates in NODE_EXTRA_CA_CERTS (Node adds those to its default store only, which an
 * explicit `ca` replaces), and the extra ones. Undefined when there are none: Node's default
 * store then applies as it is (NODE_EXTRA_CA_CERTS included). Verification is never turned off.
 */
export function trustedCas(
  extra: readonly (string | Buffer)[] | undefined,
  env: Record<string, string | undefined> = process.env,
): (string | Buffer)[] | undefined {
  if (!extra || extra.length === 0) return undefined;
  // node:tls only when there are extra CAs: a run without them loads it with the object
  // transport, during the link API call (issue #15), not before that call.
  const tls = process.getBuiltinModule('node:tls');
  const list: (string | Buffer)[] = [...tls.rootCertificates];
  const file = env.NODE_EXTRA_CA_CERTS;
  if (file) {
    try {
      list.push(readFileSync(file));
    } catch {
      // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; so do we (by not failing).
    }
  }
  for (const pem of extra) {
    if (!/-----BEGIN CERTIFICATE-----/.test(pem.toString())) {
      throw new ConfigurationError(
        'a CA given with ca / --ca-file holds no PEM certificate (-----BEGIN CERTIFICATE-----)',
      );
    }
    list.push(pem);
  }
  return list;
}
