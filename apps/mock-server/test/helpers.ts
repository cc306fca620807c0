import { formatIssues, validateResponse, validateSchema } from '@dds-backup/contract';
import { expect } from 'vitest';
import { createMockServer, type MockServer, type MockServerOptions } from '../src/index.js';

/** Any origin works in-process: links point back at it. */
export const ORIGIN = 'http://mock.test';

export function newMock(options: MockServerOptions = {}): MockServer {
  return createMockServer(options);
}

/** The ShowBackupDownloadLink URL of a backup (in `ids.projectId`, else the default project). */
export function downloadFileUrl(
  mock: MockServer,
  ids: { instanceId: string; backupId: string; projectId?: string },
  origin = ORIGIN,
  projectId = ids.projectId ?? mock.defaults.projectId,
): string {
  return `${origin}/v3/${projectId}/backups/download-file?instance_id=${ids.instanceId}&backup_id=${ids.backupId}`;
}

/** Reads a JSON response and checks it against the spec's answer for `operationId`. */
export async function specJson(operationId: string, res: Response): Promise<any> {
  const text = await res.text();
  const body = text === '' ? undefined : JSON.parse(text);
  const check = validateResponse(operationId, res.status, body, { headers: res.headers });
  if (!check.valid)
    throw new Error(`${operationId} ${res.status} breaks the spec:\n${formatIssues(check.issues)}\n${text}`);
  expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  return body;
}

/** For routes no operation describes (unknown routes): the shared Huawei error schema. */
export async function huaweiErrorJson(res: Response): Promise<any> {
  const body = await res.json();
  const check = validateSchema('Error', body);
  if (!check.valid) throw new Error(formatIssues(check.issues));
  expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  return body;
}

/** Calls an admin route in-process and validates the answer against the admin spec. */
export async function admin(
  mock: MockServer,
  operationId: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const res = await mock.fetch(
    new Request(`${ORIGIN}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  return { status: res.status, body: await specJson(operationId, res) };
}

/** Gets the links of a backup (token auth) through the fetch handler. */
export async function getLinks(
  mock: MockServer,
  ids: { instanceId: string; backupId: string; projectId?: string },
  headers: Record<string, string> = {},
): Promise<any> {
  const res = await mock.fetch(
    new Request(downloadFileUrl(mock, ids), { headers: { 'X-Auth-Token': 'test-token', ...headers } }),
  );
  return specJson('ShowBackupDownloadLink', res);
}

/** Parses an OBS XML error. */
export async function obsErrorOf(res: Response): Promise<{ code: string; message: string }> {
  const text = await res.text();
  const code = /<Code>(.*?)<\/Code>/.exec(text)?.[1] ?? '';
  const message = /<Message>(.*?)<\/Message>/.exec(text)?.[1] ?? '';
  expect(res.headers.get('content-type')).toBe('application/xml');
  expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
  expect(text).toContain(`<RequestId>${res.headers.get('x-request-id')}</RequestId>`);
  return { code, message };
}
