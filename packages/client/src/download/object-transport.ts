/** One object GET as the engine sees it. */
export interface ObjectResponse {
  status: number;
  /** A response header (lower-case name), or undefined. */
  header(name: string): string | undefined;
  /** The body, in the chunks the transport delivers (not copied). */
  body: AsyncIterable<Uint8Array>;
  /** Drops the rest of the body (the connection is closed, not reused). */
  destroy(): void;
  /** Hands a body chunk back once it is written, so its memory can be reused (optional). */
  recycle?(chunk: Uint8Array): void;
}

/**
 * Sends a GET for an object URL. The signal aborts the request and its body. The engine has one
 * implementation, http1-transport.ts (chosen by measurement: see ./README.md); this interface is
 * the seam the range requests are written against.
 */
export interface ObjectTransport {
  get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<ObjectResponse>;
  /** Frees pooled connections. */
  close(): void;
}
