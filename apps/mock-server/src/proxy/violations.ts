import type { ValidationIssue } from '@dds-backup/contract';

/**
 * One answer of the real API that breaks the spec, as `GET /__mock/violations` lists it and the
 * log reports it. Redacted: no credentials, no link signatures (the query's credential values
 * are replaced, the body is never stored).
 */
export interface ContractViolation {
  /** When the answer arrived (real time, RFC 3339). */
  time: string;
  /** The mock's request id (as in the request log and journal). */
  request_id: string;
  /** The upstream's `X-Request-Id` (quote it to Huawei support), null when it sent none. */
  upstream_request_id: string | null;
  namespace: string;
  operation_id: string;
  method: string;
  /** Path and query as forwarded, credential query values replaced by `REDACTED`. */
  path: string;
  /** The upstream's origin. */
  upstream: string;
  status: number;
  /** What breaks the spec, as `validateResponse` reports it (plus body decoding problems). */
  issues: ValidationIssue[];
}

/** Bounded, so a long-running proxy keeps flat memory. */
const MAX_VIOLATIONS = 1000;

/** The violation reports of one namespace. */
export class ViolationLog {
  private entries: ContractViolation[] = [];

  record(v: ContractViolation): void {
    this.entries.push(v);
    if (this.entries.length > MAX_VIOLATIONS) this.entries.splice(0, this.entries.length - MAX_VIOLATIONS);
  }

  list(): ContractViolation[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }
}
