import { allSpecs, getOperation, HEADER, HEADER_LC, resolveRef, signing, TOKEN_HEADER } from '@dds-backup/contract';
import { describe, expect, it } from 'vitest';

describe('HEADER', () => {
  it('holds every header an operation of any spec declares, spelled as the spec does', () => {
    const declared = new Set<string>();
    for (const [, doc] of Object.entries(allSpecs)) {
      for (const item of Object.values(doc.paths)) {
        for (const op of Object.values(item) as Array<{
          parameters?: unknown[];
          responses?: Record<string, unknown>;
        }>) {
          for (const p of op?.parameters ?? []) {
            const [param] = resolveRef(doc, p);
            if (param.in === 'header') declared.add(param.name);
          }
          for (const r of Object.values(op?.responses ?? {})) {
            for (const name of Object.keys(resolveRef(doc, r)[0].headers ?? {})) declared.add(name);
          }
        }
      }
    }
    const values = new Set<string>(Object.values(HEADER));
    for (const name of declared) expect(values, name).toContain(name);
    expect(getOperation('ShowBackupDownloadLink').responseHeaders.get('200')).toContain(HEADER.XRequestId);
  });

  it('names the signing and token headers of the security schemes', () => {
    expect(HEADER.XAuthToken).toBe(TOKEN_HEADER);
    expect(HEADER.XSdkDate).toBe(signing.dateHeader);
    expect(HEADER.XSecurityToken).toBe(signing.securityTokenHeader);
    expect(HEADER.XProjectId).toBe(signing.projectIdHeader);
    expect(HEADER.XSubjectToken).toBe('X-Subject-Token');
  });

  it('HEADER_LC is HEADER in lower case, key for key', () => {
    expect(Object.keys(HEADER_LC)).toEqual(Object.keys(HEADER));
    for (const [key, name] of Object.entries(HEADER)) {
      expect(HEADER_LC[key as keyof typeof HEADER_LC]).toBe(name.toLowerCase());
      expect(key).toBe(name.replace(/(^|-)(.)/g, (_, _dash, c: string) => c.toUpperCase()));
    }
  });
});

describe('resolveRef', () => {
  const doc = { a: { b: { $ref: '#/c~1d' } }, 'c/d': { value: 1 }, loop: { $ref: '#/loop' } };
  it('follows chains and decodes pointer escapes, returning where it landed', () => {
    expect(resolveRef(doc, doc.a.b, '/a/b')).toEqual([{ value: 1 }, '/c~1d']);
    expect(resolveRef(doc, { x: 1 }, '/here')).toEqual([{ x: 1 }, '/here']);
  });
  it('refuses external and circular refs', () => {
    expect(() => resolveRef(doc, { $ref: 'other.yaml#/x' })).toThrow(/Unresolvable/);
    expect(() => resolveRef(doc, doc.loop)).toThrow(/Unresolvable/);
  });
});
