// --verbose (the client's `log` option): every request is logged, the object GETs of the
// download engine and the IAM token exchange included, with every secret redacted.
import { createMockServer } from '@dds-backup/mock-server';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadBackup } from '../src/download/index.js';
import { createClient, passwordCredentials, redact } from '../src/index.js';
import { registerSecret } from '../src/redact.js';
import { tempDir } from './download/helpers.js';

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('the request log', () => {
  it('logs the IAM token call, the API call and every object GET, with no password, token or signature', async () => {
    // Objects travel over real sockets (the engine's only transport): the mock listens on 127.0.0.1:0.
    const mock = createMockServer();
    const url = await mock.listen({ port: 0 });
    const t = await tempDir();
    cleanups.push(() => mock.close(), t.cleanup);
    const at = url.replace(/[.]/g, '\\.');
    const lines: string[] = [];
    const client = createClient({
      endpoint: url,
      proxy: false,
      projectId: mock.defaults.projectId,
      credentials: passwordCredentials({ username: 'alice', password: 'pa55-w0rd-secret', domainName: 'acme' }),
      fetch: (r) => mock.fetch(r),
      log: (line) => lines.push(line),
    });
    await downloadBackup({ client, ...mock.defaults.sharded, dir: t.dir });
    const log = lines.join('\n');
    expect(log).toMatch(new RegExp(`^> POST ${at}/v3/auth/tokens `, 'm'));
    expect(log).toMatch(new RegExp(`^< 201 ${at}/v3/auth/tokens `, 'm'));
    expect(log).toMatch(new RegExp(`^> GET ${at}/v3/[^ ]+/backups/download-file`, 'm'));
    const objectGets = lines.filter((l) => new RegExp(`^> GET ${at}/obs/`).test(l));
    expect(objectGets.length).toBeGreaterThanOrEqual(4);
    for (const l of objectGets) expect(l).toMatch(/Signature=\*\*\*/);
    expect(lines.filter((l) => new RegExp(`^< 20[06] ${at}/obs/`).test(l)).length).toBe(objectGets.length);
    expect(log).not.toContain('pa55-w0rd-secret');
    expect(log).not.toMatch(/Signature=[A-Za-z0-9%]{8}/);
    expect(log).not.toMatch(/"x-auth-token":"(?!\*\*\*)/);
  });

  it('a short secret is masked where it stands as a word, not inside other words', () => {
    registerSecret('k9z');
    expect(redact('the server says: token k9z is not valid')).toBe('the server says: token *** is not valid');
    expect(redact('{"token":"k9z"}')).toBe('{"token":"***"}');
    expect(redact('ak9zb stays')).toBe('ak9zb stays');
  });
});
