/**
 * The mock's one clock: link expiry, token expiry and the `X-Sdk-Date` skew check all read it,
 * so a test can move time (advance, set, freeze) without waiting. It follows a source clock
 * (real time by default) plus an offset, or stands still when frozen.
 */
export interface MockClock {
  /** Mock time, in milliseconds since the epoch. */
  now(): number;
  /** Moves the clock forward (or back, with a negative value). */
  advance(seconds: number): void;
  /** Sets the clock to a time; it keeps running from there unless frozen. */
  set(ms: number): void;
  /** Stops the clock where it is. */
  freeze(): void;
  /** Lets a frozen clock run again from where it stands. */
  unfreeze(): void;
  readonly frozen: boolean;
}

export interface ClockOptions {
  /** Start time (ms since epoch, a Date, or an ISO string); default: the source's time. */
  start?: number | Date | string;
  /** Start frozen. */
  frozen?: boolean;
  /** Where "real" time comes from; default `Date.now`. */
  source?: () => number;
}

const toMs = (t: number | Date | string) => (typeof t === 'number' ? t : new Date(t).getTime());

/** Creates a mock clock. `createClock({ start: '2025-01-01T00:00:00Z', frozen: true })` for tests. */
export function createClock(options: ClockOptions = {}): MockClock {
  const source = options.source ?? Date.now;
  let offset = options.start === undefined ? 0 : toMs(options.start) - source();
  let frozenAt: number | undefined;
  const clock: MockClock = {
    now: () => (frozenAt !== undefined ? frozenAt : source() + offset),
    advance(seconds) {
      if (frozenAt !== undefined) frozenAt += seconds * 1000;
      else offset += seconds * 1000;
    },
    set(ms) {
      if (frozenAt !== undefined) frozenAt = ms;
      else offset = ms - source();
    },
    freeze() {
      if (frozenAt === undefined) frozenAt = clock.now();
    },
    unfreeze() {
      if (frozenAt === undefined) return;
      offset = frozenAt - source();
      frozenAt = undefined;
    },
    get frozen() {
      return frozenAt !== undefined;
    },
  };
  // Frozen at an explicit start: exactly that instant (source() may tick between two reads).
  if (options.frozen) frozenAt = options.start === undefined ? source() : toMs(options.start);
  return clock;
}
