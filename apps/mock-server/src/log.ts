import type { Completion } from './http/core.js';
import type { ContractViolation } from './proxy/violations.js';

/** One structured line per request. Path only: the query of a link carries its signature. */
export interface RequestLogEntry {
  time: string;
  level: 'info' | 'warn' | 'error';
  msg: 'request';
  request_id: string;
  namespace: string;
  target: Completion['target'];
  method: string;
  path: string;
  status: number;
  ms: number;
  bytes: number;
  aborted?: true;
}

export type RequestLogger = (entry: RequestLogEntry) => void;

/** Writes entries as JSON lines to stderr (stdout is kept for the "listening" line). */
export const stderrLogger: RequestLogger = (entry) => {
  process.stderr.write(`${JSON.stringify(entry)}\n`);
};

export function toLogEntry(c: Completion, now: number): RequestLogEntry {
  const entry: RequestLogEntry = {
    time: new Date(now).toISOString(),
    level: c.status >= 500 ? 'error' : c.status >= 400 ? 'warn' : 'info',
    msg: 'request',
    request_id: c.requestId,
    namespace: c.namespace,
    target: c.target,
    method: c.method,
    path: c.path,
    status: c.status,
    ms: Math.round(c.durationMs * 1000) / 1000,
    bytes: c.bytesSent,
  };
  if (c.aborted) entry.aborted = true;
  return entry;
}

/** The log line of a validation proxy violation report (the report, already redacted). */
export interface ViolationLogEntry extends ContractViolation {
  level: 'warn';
  msg: 'contract-violation';
}

/** Writes a violation report as one JSON line to stderr, next to the request lines. */
export function stderrViolationLogger(violation: ContractViolation): void {
  const { time, ...rest } = violation;
  const entry: ViolationLogEntry = { time, level: 'warn', msg: 'contract-violation', ...rest };
  process.stderr.write(`${JSON.stringify(entry)}\n`);
}
