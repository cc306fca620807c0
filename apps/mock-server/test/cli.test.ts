import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main, parseCliArgs, UsageError } from '../src/cli.js';

describe('parseCliArgs', () => {
  it.each([
    [[], { port: 4010, host: '127.0.0.1', tokens: [], aksk: [], quiet: false }],
    [['--port', '0', '--host', '0.0.0.0'], { port: 0, host: '0.0.0.0' }],
    [['--token', 'a', '--token', 'b'], { tokens: ['a', 'b'] }],
    [
      ['--aksk', 'AK:S:K', '--aksk', 'X:Y'],
      {
        aksk: [
          { ak: 'AK', sk: 'S:K' },
          { ak: 'X', sk: 'Y' },
        ],
      },
    ],
    [
      ['--link-ttl', '60', '--seed', '9', '--quiet', '--fixtures', 'f.yaml'],
      { linkTtlSeconds: 60, seed: 9, quiet: true, fixtures: 'f.yaml' },
    ],
    [
      ['--proxy', 'https://dds.cn-north-4.myhuaweicloud.com', '--proxy-iam', 'http://127.0.0.1:9'],
      { proxy: 'https://dds.cn-north-4.myhuaweicloud.com', proxyIam: 'http://127.0.0.1:9' },
    ],
  ])('%j', (argv, expected) => {
    expect(parseCliArgs(argv)).toMatchObject(expected);
  });

  it.each([
    [['--port', 'x']],
    [['--port', '70000']],
    [['--aksk', 'nocolon']],
    [['--bogus']],
    [['--link-ttl', '0']],
    [['--token', '']],
    [['--proxy', 'ftp://example.com']],
    [['--proxy', 'not a url']],
    [['--proxy', 'https://example.com/?a=1']],
    [['--proxy-iam', 'https://iam.example.com']],
  ])('%j is a UsageError', (argv) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
  });
});

describe('main', () => {
  it('prints exactly the listening line on stdout and serves', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    stdout.on('data', (c) => (out += c));
    const server = await main(['--port', '0', '--quiet'], { stdout, stderr, handleSignals: false });
    const m = /^dds-backup-mock listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(out);
    expect(m).not.toBeNull();
    const res = await fetch(`${m![1]}/__mock/state`);
    expect(res.status).toBe(200);
    await server!.close();
  });

  it('a bad fixtures file is reported on stderr with exit code 1, nothing on stdout', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c) => (out += c));
    stderr.on('data', (c) => (err += c));
    const before = process.exitCode;
    expect(
      await main(['--port', '0', '--fixtures', '/nonexistent/f.yaml'], { stdout, stderr, handleSignals: false }),
    ).toBeUndefined();
    expect(process.exitCode).toBe(1);
    process.exitCode = before;
    expect(out).toBe('');
    expect(err).toContain('Cannot read fixtures file /nonexistent/f.yaml');
  });
});
