import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { parseNoProxy, parseProxyUrl, proxyConfigured, proxyResolver } from '../../src/network/proxy-env.js';

const via = (env: Record<string, string>, url: string, proxy?: string | false) =>
  proxyResolver({ env, proxy })(new URL(url))?.display;

describe('proxy variables', () => {
  it('https: URLs use https_proxy/HTTPS_PROXY, http: ones http_proxy/HTTP_PROXY; never the other scheme', () => {
    const env = { HTTPS_PROXY: 'http://secure:3128', HTTP_PROXY: 'http://plain:3128' };
    expect(via(env, 'https://obs.example.com/x')).toBe('http://secure:3128');
    expect(via(env, 'http://obs.example.com/x')).toBe('http://plain:3128');
    expect(via({ HTTP_PROXY: 'http://plain:3128' }, 'https://obs.example.com/x')).toBeUndefined();
    expect(via({ HTTPS_PROXY: 'http://secure:3128' }, 'http://obs.example.com/x')).toBeUndefined();
  });

  it('the lower-case variable wins over the upper-case one; an empty one counts as unset', () => {
    expect(via({ https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' }, 'https://a.example/')).toBe(
      'http://lower:1',
    );
    expect(via({ http_proxy: 'http://lower:1', HTTP_PROXY: 'http://upper:2' }, 'http://a.example/')).toBe(
      'http://lower:1',
    );
    expect(via({ https_proxy: '', HTTPS_PROXY: 'http://upper:2' }, 'https://a.example/')).toBe('http://upper:2');
    expect(via({ no_proxy: 'a.example', NO_PROXY: '' }, 'https://a.example/', 'http://p:1')).toBeUndefined();
    expect(via({ no_proxy: 'b.example', NO_PROXY: 'a.example' }, 'https://a.example/', 'http://p:1')).toBe(
      'http://p:1',
    );
  });

  it('an explicit proxy overrides the variables for both schemes; false turns proxying off; NO_PROXY still applies', () => {
    const env = { HTTPS_PROXY: 'http://env:1', NO_PROXY: 'direct.example' };
    expect(via(env, 'https://a.example/', 'http://flag:9')).toBe('http://flag:9');
    expect(via(env, 'http://a.example/', 'http://flag:9')).toBe('http://flag:9');
    expect(via(env, 'https://a.example/', false)).toBeUndefined();
    expect(via(env, 'https://direct.example/', 'http://flag:9')).toBeUndefined();
    expect(proxyConfigured({ env, proxy: false })).toBe(false);
    expect(proxyConfigured({ env: {} })).toBe(false);
    expect(proxyConfigured({ env: { http_proxy: 'x:1' } })).toBe(true);
  });

  it('a proxy without a scheme is http://; credentials become Proxy-Authorization and never the display', () => {
    const p = parseProxyUrl('us%40er:p%3Ass@proxy.corp:8080');
    expect(p).toMatchObject({
      protocol: 'http:',
      hostname: 'proxy.corp',
      port: 8080,
      display: 'http://proxy.corp:8080',
    });
    expect(p.authorization).toBe(`Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
    expect(parseProxyUrl('https://proxy.corp').port).toBe(443);
    expect(() => parseProxyUrl('socks5://u:secret@h:1080')).toThrow(ConfigurationError);
    try {
      parseProxyUrl('http://u:secret@[bad');
    } catch (error) {
      expect(String(error)).not.toContain('secret');
    }
  });
});

describe('NO_PROXY matching', () => {
  const m = (list: string, host: string, port = 443) => parseNoProxy(list)(host, port);
  it.each([
    ['*', 'anything.example', true],
    ['example.com', 'example.com', true],
    ['example.com', 'obs.example.com', true],
    ['example.com', 'badexample.com', false],
    ['.example.com', 'example.com', true],
    ['.example.com', 'a.b.example.com', true],
    ['*.example.com', 'a.example.com', true],
    ['EXAMPLE.com', 'Obs.Example.COM', true],
    ['example.com:443', 'obs.example.com', true],
    ['example.com:8443', 'obs.example.com', false],
    ['127.0.0.1', '127.0.0.1', true],
    ['127.0.0.1', '127.0.0.10', false],
    ['10.0.0.0/8', '10.1.2.3', true],
    ['10.0.0.0/8', '11.1.2.3', false],
    ['::1', '[::1]', true],
    ['[::1]:443', '::1', true],
    ['fd00::/8', 'fd12::1', true],
    ['a.example, b.example c.example', 'c.example', true],
    ['', 'example.com', false],
  ])('%j vs %s: %s', (list, host, expected) => {
    expect(m(list, host)).toBe(expected);
  });
  it('ports: an entry with a port matches only that port', () => {
    expect(m('127.0.0.1:8080', '127.0.0.1', 8080)).toBe(true);
    expect(m('127.0.0.1:8080', '127.0.0.1', 8081)).toBe(false);
  });
});

describe('proxy credentials in text', () => {
  it('a proxy password is masked wherever it turns up, and so is Proxy-Authorization', async () => {
    const { redact } = await import('../../src/redact.js');
    parseProxyUrl('http://someone:Corp-Pa55word@proxy.corp:3128');
    expect(redact('connect failed via http://someone:Corp-Pa55word@proxy.corp:3128')).not.toContain('Corp-Pa55word');
    expect(redact('upstream said: Corp-Pa55word is wrong')).not.toContain('Corp-Pa55word');
    expect(redact('Proxy-Authorization: Basic c29tZW9uZTpDb3Jw')).not.toContain('c29tZW9uZTpDb3Jw');
    expect(redact('see https://user:other-secret@example.com/x')).toBe('see https://user:***@example.com/x');
  });
});
