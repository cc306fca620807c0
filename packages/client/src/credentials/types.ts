/** What a credentials provider may use while authorizing a request. */
export interface AuthContext {
  /** The transport (possibly the mock's in-process handler). */
  fetch: (request: Request) => Promise<Response>;
  /** IAM endpoint of the client's region (or its endpoint override). */
  iamEndpoint: string;
  /** Region ID, used as the project name for token scoping and project lookup. */
  region: string;
  /** Project ID when known, for the `X-Project-Id` header the official SDKs sign. */
  projectId?: string;
  /** Host to sign AK/SK requests for, when requests go through a proxy (ClientOptions.signingHost). */
  signingHost?: string;
  signal?: AbortSignal;
  /** --verbose: requests a provider makes itself (the IAM token call) are logged through it. */
  log?: (line: string) => void;
}

/** A way of authenticating requests. Each provider is small and does one thing. */
export interface CredentialsProvider {
  readonly kind: 'token' | 'aksk' | 'password';
  /** Project ID these credentials came with (e.g. HUAWEICLOUD_SDK_PROJECT_ID), if any. */
  readonly projectId?: string;
  /** Returns the request to send: the given one with its auth headers set. Called per attempt. */
  authorize(request: Request, context: AuthContext): Promise<Request>;
}
