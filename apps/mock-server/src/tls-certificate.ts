import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

/** A certificate and its private key, PEM. */
export interface TlsKeyPair {
  cert: string;
  key: string;
}

/**
 * A fresh self-signed certificate for the mock's TLS mode (`--tls`, `createMockServer({ tls:
 * true })`): valid for `localhost`, `127.0.0.1` and `::1` (plus `hosts`) for 30 days, an EC
 * P-256 key (generated in milliseconds, where RSA takes up to a second). Clients trust it by
 * its own PEM as a CA (`--ca-file`): nothing is installed in a system store.
 */
export async function selfSignedCertificate(hosts: readonly string[] = []): Promise<TlsKeyPair> {
  const { generate } = await import('selfsigned');
  const names = [...new Set(['localhost', '127.0.0.1', '::1', ...hosts])];
  const now = Date.now();
  // A unique subject per certificate: OpenSSL finds a trust anchor by subject name, so two
  // certificates with the same one could not be trusted side by side (two mocks, a mock and a proxy).
  const subject = `dds-backup-mock ${randomBytes(6).toString('hex')}`;
  const pems = await generate([{ name: 'commonName', value: subject }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + 30 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: names.map((n) => (isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n })),
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
