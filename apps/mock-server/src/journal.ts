import type { Completion } from './http/core.js';

/** One journal entry (`GET /__mock/requests`). Paths only: query strings can carry link signatures. */
export interface JournalEntry {
  request_id: string;
  time: string;
  target: Completion['target'];
  method: string;
  path: string;
  status: number;
  bytes_sent: number;
  duration_ms: number;
  aborted: boolean;
}

/** Bounded, so a long-running mock keeps flat memory. */
const MAX_ENTRIES = 10_000;

export class Journal {
  private entries: JournalEntry[] = [];

  record(c: Completion, now: number): void {
    this.entries.push({
      request_id: c.requestId,
      time: new Date(now).toISOString(),
      target: c.target,
      method: c.method,
      path: c.path,
      status: c.status,
      bytes_sent: c.bytesSent,
      duration_ms: Math.round(c.durationMs * 1000) / 1000,
      aborted: c.aborted,
    });
    // Trim in batches: splicing one entry off the front per request is O(n) on the hot path.
    if (this.entries.length > MAX_ENTRIES * 1.25) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }

  list(): JournalEntry[] {
    return this.entries.slice(-MAX_ENTRIES);
  }

  clear(): void {
    this.entries = [];
  }
}
