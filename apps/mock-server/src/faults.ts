import type { MockAdminComponents } from '@dds-backup/contract';
import type { StreamFaults } from './http/core.js';

type AdminSchemas = MockAdminComponents['schemas'];

/** A fault rule as the admin API takes it (`POST /__mock/faults`): the admin spec's `FaultRuleInput`. */
export type FaultRuleInput = AdminSchemas['FaultRuleInput'];
/** A rule as stored and listed (the spec's `FaultRule`: the input plus `id` and `hits`). */
export type FaultRule = AdminSchemas['FaultRule'];
/** Where a fault applies: the DDS API route, or the object (download) route. */
export type FaultTarget = FaultRuleInput['target'];
export type FaultKind = FaultRuleInput['kind'];

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
