import type { StreamFaults } from './http/core.js';

/** Where a fault applies: the DDS API route, or the object (download) route. */
export type FaultTarget = 'api' | 'download';
export type FaultKind = 'status' | 'latency' | 'reset' | 'truncate' | 'throttle';

/** A fault rule as the admin API takes it (`POST /__mock/faults`). */
export interface FaultRuleInput {
  target: FaultTarget;
  kind: FaultKind;
  /** `status`: HTTP status. Default: the status the spec gives `error_code` (api), 503 (download). */
  status?: number;
  /** `status`: a Huawei error code (api, default DBS.280005) or an OBS error code (download, default from the status). */
  error_code?: string;
  /** `status`: seconds for a `Retry-After` header. */
  retry_after?: number;
  /** `latency`: delay before the answer starts. */
  latency_ms?: number;
  /** `reset` / `truncate`: body bytes sent before the connection is reset / the body ends. */
  after_bytes?: number;
  /** `throttle`: body pace. */
  bytes_per_second?: number;
  /** Apply to this many matching requests, then remove the rule. Default: no limit. */
  times?: number;
  /** Chance (0..1) that a matching request is affected. Default 1. Draws use the seed, so runs repeat. */
  probability?: number;
  /** Only requests whose path contains this string (e.g. a backup id or file name). */
  path_contains?: string;
}

/** A rule as stored and listed. */
export interface FaultRule extends FaultRuleInput {
  id: string;
  /** Requests affected so far. */
  hits: number;
}

/** What the active rules do to one request. */
export interface FaultEffect {
  status?: FaultRule;
  latencyMs: number;
  stream: StreamFaults;
}

/** mulberry32: small seeded PRNG, so `probability` rules behave the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fault rules of one namespace. */
export class FaultSet {
  private rules: FaultRule[] = [];
  private nextId = 1;
  private random: () => number;

  constructor(private readonly seed: number) {
    this.random = prng(seed);
  }

  add(input: FaultRuleInput): FaultRule {
    const rule: FaultRule = { ...input, id: `fault-${this.nextId++}`, hits: 0 };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  clear(): void {
    this.rules = [];
    this.random = prng(this.seed);
  }

  get size(): number {
    return this.rules.length;
  }

  /** Draws the rules that apply to a request (consuming `times`). */
  evaluate(target: FaultTarget, path: string): FaultEffect | undefined {
    if (this.rules.length === 0) return undefined;
    let effect: FaultEffect | undefined;
    for (const rule of this.rules) {
      if (rule.target !== target) continue;
      if (rule.path_contains !== undefined && !path.includes(rule.path_contains)) continue;
      if (rule.probability !== undefined && rule.probability < 1 && this.random() >= rule.probability) continue;
      if (rule.kind === 'status' && effect?.status) continue; // the first status rule wins
      effect ??= { latencyMs: 0, stream: {} };
      rule.hits++;
      if (rule.times !== undefined) rule.times--;
      switch (rule.kind) {
        case 'status':
          effect.status = rule;
          break;
        case 'latency':
          effect.latencyMs += rule.latency_ms ?? 0;
          break;
        case 'reset':
          effect.stream.resetAfter = Math.min(effect.stream.resetAfter ?? Infinity, rule.after_bytes ?? 0);
          break;
        case 'truncate':
          effect.stream.truncateAfter = Math.min(effect.stream.truncateAfter ?? Infinity, rule.after_bytes ?? 0);
          break;
        case 'throttle':
          effect.stream.bytesPerSecond = Math.min(
            effect.stream.bytesPerSecond ?? Infinity,
            rule.bytes_per_second ?? Infinity,
          );
          break;
      }
    }
    this.rules = this.rules.filter((r) => r.times === undefined || r.times > 0);
    return effect;
  }
}
