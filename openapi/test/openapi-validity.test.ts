import { readdirSync, readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// An independent OpenAPI 3.1 validator (the official 3.1 JSON Schema), not Spectral.
const dir = new URL('../', import.meta.url);
const specs = readdirSync(dir).filter((f) => f.endsWith('.openapi.yaml'));

describe('independent OpenAPI 3.1 validation', () => {
  it.each(specs)('%s is a valid OpenAPI 3.1 document', async (file) => {
    const doc = parse(readFileSync(new URL(file, dir), 'utf8'));
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\.1\./);
  });

  it('the bundled JSON is exactly the YAML', () => {
    for (const file of specs) {
      const yaml = parse(readFileSync(new URL(file, dir), 'utf8'));
      const json = JSON.parse(readFileSync(new URL(`bundled/${file.replace(/\.yaml$/, '.json')}`, dir), 'utf8'));
      expect(json).toEqual(yaml);
    }
  });
});
