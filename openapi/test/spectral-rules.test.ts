import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { lint } from './spectral-ruleset.js';

// A minimal document that every house rule (and spectral:oas) accepts. Each bad snippet is this
// document with one thing broken, so a rule test fails only for the reason it names.
const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });
const errorResponse = (code: string) => ({
  description: 'An error.',
  headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
  content: {
    'application/json': {
      schema: { $ref: '#/components/schemas/Error' },
      examples: { one: { value: { error_code: code, error_msg: 'x' } } },
    },
  },
});
function goodDoc(): any {
  return {
    openapi: '3.1.0',
    info: { title: 'T', version: '1', description: 'd', contact: { name: 'c' } },
    servers: [{ url: 'https://example.com' }],
    tags: [{ name: 'A', description: 'a' }],
    paths: {
      '/v3/{project_id}/things': {
        get: {
          operationId: 'ShowThing',
          'x-error-codes': ['DBS.200001', 'APIGW.0301'],
          summary: 's',
          description: 'd',
          tags: ['A'],
          parameters: [{ name: 'project_id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'ok',
              headers: { 'X-Request-Id': { $ref: '#/components/headers/XRequestId' } },
              content: {
                'application/json': {
                  schema: { $ref: '#/components/schemas/Thing' },
                  examples: { one: { value: { thing_name: 'a', created_time: '2018-08-16T10:15:14+0000' } } },
                },
              },
            },
            '400': ref('E400'),
            '401': ref('E401'),
            '403': ref('E403'),
            '404': ref('E404'),
            '429': ref('E429'),
            '500': ref('E500'),
          },
        },
      },
    },
    components: {
      headers: { XRequestId: { description: 'id', schema: { type: 'string' } } },
      schemas: {
        Thing: {
          type: 'object',
          properties: {
            thing_name: { type: 'string' },
            created_time: {
              type: 'string',
              pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4}$',
            },
          },
        },
        Error: {
          type: 'object',
          required: ['error_code', 'error_msg'],
          properties: { error_code: { type: 'string' }, error_msg: { type: 'string' } },
        },
      },
      responses: {
        E400: errorResponse('DBS.200001'),
        E401: errorResponse('APIGW.0301'),
        E403: errorResponse('DBS.200604'),
        E404: errorResponse('DBS.200002'),
        E429: errorResponse('APIGW.0308'),
        E500: errorResponse('DBS.280005'),
      },
    },
    'x-huawei-error-codes': {
      'DBS.200001': { status: 400, retryable: false, 'en-us': 'Parameter error.', 'zh-cn': '参数错误。' },
      'APIGW.0301': { status: 401, retryable: false, 'en-us': 'Bad auth', 'zh-cn': '认证错误' },
    },
  };
}

const run = (doc: unknown) => lint(stringify(doc));
const codes = async (doc: unknown) => (await run(doc)).map((r) => r.code);

describe('house rules', () => {
  it('the good snippet passes every rule, spectral:oas included', async () => {
    expect(await run(goodDoc())).toEqual([]);
  });

  const bad: Array<[string, (d: any) => void, string]> = [
    [
      'dds-operation-documents-shared-errors',
      (d) => delete d.paths['/v3/{project_id}/things'].get.responses['429'],
      'must have required property "429"',
    ],
    [
      'dds-properties-snake-case',
      (d) => {
        const p = d.components.schemas.Thing.properties;
        p.thingName = p.thing_name;
        delete p.thing_name;
        d.paths['/v3/{project_id}/things'].get.responses['200'].content['application/json'].examples.one.value = {
          thingName: 'a',
          created_time: '2018-08-16T10:15:14+0000',
        };
      },
      'Property `thingName` is not snake_case',
    ],
    [
      'dds-response-has-example',
      (d) => delete d.paths['/v3/{project_id}/things'].get.responses['200'].content['application/json'].examples,
      'This response has no example',
    ],
    [
      'dds-component-response-has-example',
      (d) => delete d.components.responses.E404.content['application/json'].examples,
      'This response has no example',
    ],
    [
      'dds-huawei-time-is-a-pattern',
      (d) => {
        const t = d.components.schemas.Thing.properties.created_time;
        delete t.pattern;
        t.format = 'date-time';
        d.paths['/v3/{project_id}/things'].get.responses['200'].content[
          'application/json'
        ].examples.one.value.created_time = '2018-08-16T10:15:14Z';
      },
      'drop `format: date-time`',
    ],
    [
      'dds-responses-carry-request-id',
      (d) => delete d.components.responses.E500.headers,
      'does not declare `X-Request-Id`',
    ],
    [
      'dds-error-example-codes-are-huawei-codes',
      (d) =>
        (d.components.responses.E400.content['application/json'].examples.one.value.error_code = 'InvalidParameter'),
      '`InvalidParameter` is not a Huawei error code',
    ],
    [
      'dds-operation-lists-error-codes',
      (d) => delete d.paths['/v3/{project_id}/things'].get['x-error-codes'],
      'add `x-error-codes: [DBS.200001',
    ],
    [
      'dds-error-codes-are-documented',
      (d) => d.paths['/v3/{project_id}/things'].get['x-error-codes'].push('DBS.999999'),
      '`DBS.999999` is not in `x-huawei-error-codes`',
    ],
  ];

  it.each(bad)(
    '%s fires on its bad snippet with a message that shows the right form',
    async (rule, mutate, message) => {
      const doc = goodDoc();
      mutate(doc);
      const results = await run(doc);
      const hit = results.filter((r) => r.code === rule);
      expect(hit.length, JSON.stringify(results, null, 2)).toBeGreaterThan(0);
      expect(hit[0]!.message).toContain(message);
      expect(hit[0]!.severity).toBe(0); // error
    },
  );

  it('the huawei-time rule also demands a pattern when format is merely absent', async () => {
    const doc = goodDoc();
    delete doc.components.schemas.Thing.properties.created_time.pattern;
    expect(await codes(doc)).toContain('dds-huawei-time-is-a-pattern');
  });
});

describe('the project specs', () => {
  const dir = new URL('../', import.meta.url);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.openapi.yaml'))) {
    it(`${file} has 0 errors and 0 warnings`, async () => {
      const path = fileURLToPath(new URL(file, dir));
      expect(await lint(readFileSync(path, 'utf8'), path)).toEqual([]);
    });
  }
});
