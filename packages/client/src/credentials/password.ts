import { HEADER_LC, type IamPaths, TOKEN_HEADER, TOKEN_LIFETIME_SECONDS } from '@dds-backup/contract';
import createOpenApiClient from 'openapi-fetch';
import { CredentialsError } from '../errors.js';
import { registerSecret } from '../redact.js';
import { loggingFetch } from '../request-log.js';
import { singleFlight } from '../single-flight.js';
import { checkedAnswer } from '../transport.js';
import { apiErrorFrom } from '../unwrap.js';
import type { AuthContext, CredentialsProvider } from './types.js';

/** IAM answers get the API's caps too: at most 16 MiB, and JSON when 2xx. */
const cappedFetch =
  (fetch: (request: Request) => Promise<Response>) =>
  async (request: Request): Promise<Response> =>
    checkedAnswer(await fetch(request), `${request.method} ${new URL(request.url).pathname}`);

/** Renew a cached token this long before IAM says it expires. */
const RENEW_BEFORE_MS = 5 * 60_000;

export interface PasswordOptions {
  /** IAM user name. */
  username: string;
  password: string;
  /** Account (domain) name the user belongs to. */
  domainName: string;
  projectId?: string;
  /** Clock for the cache (tests). */
  now?: () => number;
}

/**
 * Exchanges an IAM user's password for a token (`POST /v3/auth/tokens`, token in the
 * `X-Subject-Token` header) scoped to the client's region, and caches it until shortly before
 * it expires. Concurrent requests share one exchange.
 */
export function passwordCredentials(options: PasswordOptions): CredentialsProvider {
  if (!options.username || !options.password || !options.domainName) {
    throw new CredentialsError('Password credentials need a user name, a password and the account (domain) name.');
  }
  registerSecret(options.password);
  const now = options.now ?? Date.now;
  let cached: { token: string; renewAt: number; key: string } | undefined;

  async function issue(context: AuthContext): Promise<string> {
    // Path, body and answer are typed by the IAM spec (openapi/iam.openapi.yaml).
    const iam = createOpenApiClient<IamPaths>({
      baseUrl: context.iamEndpoint.replace(/\/$/, ''),
      fetch: cappedFetch(context.log ? loggingFetch(context.fetch, context.log) : context.fetch),
    });
    const { data, error, response } = await iam.POST('/v3/auth/tokens', {
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: { name: options.username, password: options.password, domain: { name: options.domainName } },
            },
          },
          scope: { project: { name: context.region } },
        },
      },
      signal: context.signal,
    });
    const token = response.headers.get(HEADER_LC.XSubjectToken);
    if (!data || !token) {
      throw apiErrorFrom('KeystoneCreateUserTokenByPassword', response, error ?? 'IAM did not issue a token');
    }
    const body = data;
    registerSecret(token);
    const expiresAt = Date.parse(body?.token?.expires_at ?? '');
    // Without an expires_at assume the lifetime the IAM spec gives tokens (24 hours).
    const expiry = Number.isNaN(expiresAt) ? now() + TOKEN_LIFETIME_SECONDS * 1000 : expiresAt;
    cached = { token, renewAt: expiry - RENEW_BEFORE_MS, key: `${context.iamEndpoint}|${context.region}` };
    return token;
  }

  const issueOnce = singleFlight(issue);

  return {
    kind: 'password',
    projectId: options.projectId,
    async authorize(request, context) {
      const key = `${context.iamEndpoint}|${context.region}`;
      let token = cached && cached.key === key && now() < cached.renewAt ? cached.token : undefined;
      if (!token) {
        // Concurrent requests share one token request.
        token = await issueOnce(context);
      }
      const headers = new Headers(request.headers);
      headers.set(TOKEN_HEADER, token);
      return new Request(request, { headers });
    },
  };
}
