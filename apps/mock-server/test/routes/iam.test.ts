import { describe, expect, it } from 'vitest';
import { createMockServer } from '../../src/index.js';
import { newMock, ORIGIN, specJson } from '../helpers.js';

const tokenBody = (user = 'u', password = 'p', project = 'cn-north-4') => ({
  auth: {
    identity: { methods: ['password'], password: { user: { name: user, password, domain: { name: 'acct' } } } },
    scope: { project: { name: project } },
  },
});
const post = (mock: ReturnType<typeof newMock>, body: unknown) =>
  mock.fetch(
    new Request(`${ORIGIN}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );

describe('IAM stand-ins', () => {
  it('POST /v3/auth/tokens answers 201 with X-Subject-Token and a 24 h expiry', async () => {
    const mock = newMock();
    const res = await post(mock, tokenBody());
    expect(res.status).toBe(201);
    expect(res.headers.get('x-subject-token')).toBeTruthy();
    const body = await specJson('KeystoneCreateUserTokenByPassword', res);
    expect(Date.parse(body.token.expires_at) - Date.parse(body.token.issued_at)).toBe(24 * 3600 * 1000);
    expect(body.token.project.id).toBe(mock.defaults.projectId);
  });

  it('a malformed body -> 400 in IAM shape; configured users -> a wrong password is 401', async () => {
    const mock = createMockServer({ users: [{ name: 'op', password: 'pw' }] });
    for (const bad of ['{', { auth: {} }, { auth: { identity: { methods: ['password'] } } }]) {
      const res = await post(mock, bad);
      expect(res.status).toBe(400);
      expect((await specJson('KeystoneCreateUserTokenByPassword', res)).error.code).toBe(400);
    }
    const wrong = await post(mock, tokenBody('op', 'nope'));
    expect(wrong.status).toBe(401);
    await specJson('KeystoneCreateUserTokenByPassword', wrong);
    expect((await post(mock, tokenBody('op', 'pw'))).status).toBe(201);
  });

  it('GET /v3/projects?name=REGION answers the mock project id (any region name), with auth', async () => {
    const mock = newMock();
    // cn-east-3 is the second project (the large instance); any other region name gets the default one.
    for (const [region, id] of [
      ['cn-north-4', mock.defaults.projectId],
      ['ap-southeast-1', mock.defaults.projectId],
      ['cn-east-3', mock.defaults.large.projectId],
    ]) {
      const res = await mock.fetch(
        new Request(`${ORIGIN}/v3/projects?name=${region}`, { headers: { 'X-Auth-Token': 't' } }),
      );
      const body = await specJson('KeystoneListProjects', res);
      expect(body.projects[0]).toMatchObject({ id, name: region });
    }
    const all = await specJson(
      'KeystoneListProjects',
      await mock.fetch(new Request(`${ORIGIN}/v3/projects`, { headers: { 'X-Auth-Token': 't' } })),
    );
    expect(all.projects.map((p: any) => p.id)).toEqual([mock.defaults.projectId, mock.defaults.large.projectId]);
    const anon = await mock.fetch(new Request(`${ORIGIN}/v3/projects?name=cn-north-4`));
    expect(anon.status).toBe(401);
    await specJson('KeystoneListProjects', anon);
  });
});
