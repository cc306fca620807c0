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

/**
 * The last MAX_ENTRIES completions, oldest first. A ring of the raw completions and their times:
 * recording costs two stores (no entry object, no ISO time string per request); entries are
 * formatted when the journal is read, which is rare next to the requests it records.
 */
export class Journal {
  private readonly completions: Array<Completion | undefined> = new Array(MAX_ENTRIES);
  private readonly times = new Float64Array(MAX_ENTRIES);
  /** Where the next completion goes. */
  private next = 0;
  private count = 0;

  record(c: Completion, now: number): void {
    this.completions[this.next] = c;
    this.times[this.next] = now;
    this.next = (this.next + 1) % MAX_ENTRIES;
    if (this.count < MAX_ENTRIES) this.count++;
  }

  list(): JournalEntry[] {
    const out: JournalEntry[] = new Array(this.count);
    const first = (this.next - this.count + MAX_ENTRIES) % MAX_ENTRIES;
    for (let i = 0; i < this.count; i++) {
      const at = (first + i) % MAX_ENTRIES;
      const c = this.completions[at]!;
      out[i] = {
        request_id: c.requestId,
        time: new Date(this.times[at]!).toISOString(),
        target: c.target,
        method: c.method,
        path: c.path,
        status: c.status,
        bytes_sent: c.bytesSent,
        duration_ms: Math.round(c.durationMs * 1000) / 1000,
        aborted: c.aborted,
      };
    }
    return out;
  }

  clear(): void {
    this.completions.fill(undefined);
    this.next = 0;
    this.count = 0;
  }
}
