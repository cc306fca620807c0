import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { renderJunit, xmlEscape } from '../../src/report/junit.js';

const parse = (xml: string) =>
  new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testcase' }).parse(
    xml,
  );

describe('renderJunit', () => {
  const report = {
    ok: false,
    checks: [
      { name: 'positive.status', ok: true, reason: '200 as documented', durationMs: 12.5 },
      {
        name: 'positive.body',
        ok: false,
        reason: 'the body does not match the spec:\n  /files/0/name: must be <string> & "quoted" \'x\'\u0001',
        durationMs: 0,
      },
      { name: 'positive.size', ok: false, skipped: true, reason: 'not run: no files', durationMs: 0 },
    ],
  };

  it('is well-formed XML with the counts, a failure and a skipped case, every text escaped', () => {
    const xml = renderJunit(report, {
      baseUrl: 'http://h/x?Signature=secret&a=<b>',
      operationId: 'ShowBackupDownloadLink',
      timestamp: new Date('2025-01-02T03:04:05Z'),
    });
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parse(xml);
    expect(doc.testsuites).toMatchObject({ tests: '3', failures: '1', errors: '0', skipped: '1', time: '0.013' });
    const suite = doc.testsuites.testsuite;
    expect(suite).toMatchObject({
      name: 'dds-backup-contract ShowBackupDownloadLink',
      tests: '3',
      timestamp: '2025-01-02T03:04:05',
    });
    expect(suite.properties.property[0]).toEqual({ name: 'base_url', value: 'http://h/x?Signature=***&a=<b>' });
    const [status, body, size] = suite.testcase;
    expect(status).toMatchObject({ name: 'positive.status', time: '0.013' });
    expect(status.failure).toBeUndefined();
    expect(body.failure.message).toBe('the body does not match the spec:');
    // The parser decodes entities: what CI shows is the reason as written, minus invalid characters.
    expect(body.failure['#text']).toBe(report.checks[1]!.reason.replace('\u0001', ''));
    expect(xml).toContain('must be &lt;string&gt; &amp; &quot;quoted&quot; &apos;x&apos;');
    expect(xml).not.toContain('\u0001');
    expect(size.skipped.message).toBe('not run: no files');
    expect(xml).not.toContain('secret');
  });

  it('xmlEscape', () => {
    expect(xmlEscape(`<a href="x">&'\u0000\t`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;\t');
  });
});
