/**
 * The loose shape of a bundled OpenAPI 3.1 document, enough for runtime code to walk it.
 * The precise, per-operation types are the generated `paths`/`components` types.
 */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; [key: string]: unknown };
  servers?: Array<{
    url: string;
    description?: string;
    variables?: Record<string, { default: string; enum?: string[]; description?: string }>;
  }>;
  paths: Record<string, Record<string, unknown>>;
  components?: Record<string, Record<string, unknown>>;
  [key: `x-${string}`]: unknown;
  [key: string]: unknown;
}
