import { getOperation, type MockAdminComponents } from '@dds-backup/contract';

/**
 * The `Prefer` header, Prism-compatible: `Prefer: code=404`, `Prefer: example=instance-not-found`,
 * or both. The mock adds download scenarios, carried inside the signed links it hands out
 * (the download request cannot send a header): `download-status=503`, `download-latency=MS`,
 * `download-reset=BYTES`, `download-truncate=BYTES`, `download-throttle=BYTES_PER_SECOND`,
 * `download-times=N` (only the first N downloads of each link; default every download).
 */
export interface Preferences {
  code?: string;
  example?: string;
  /** Download scenario, normalized (`reset=1024,times=1`), or undefined. */
  scenario?: string;
}

export const SCENARIO_KEYS = ['status', 'latency', 'reset', 'truncate', 'throttle', 'times'] as const;
export type ScenarioKey = (typeof SCENARIO_KEYS)[number];
export type Scenario = Partial<Record<ScenarioKey, number>>;

/** The fault rule field each scenario key stands for: its bounds come from the admin spec. */
const FIELD_OF: Record<ScenarioKey, keyof MockAdminComponents['schemas']['FaultRuleFields']> = {
  status: 'status',
  latency: 'latency_ms',
  reset: 'after_bytes',
  truncate: 'after_bytes',
  throttle: 'bytes_per_second',
  times: 'times',
};
const faultFields = (
  getOperation('AddMockFaults').document.components!.schemas as Record<
    string,
    { properties: Record<string, { minimum?: number; maximum?: number }> }
  >
).FaultRuleFields!.properties;

/** The admin spec's range of a scenario key (`download-status` is 400-599: a download fault is an error). */
function rangeOf(key: ScenarioKey): { min: number; max: number } {
  const field = faultFields[FIELD_OF[key]] ?? {};
  return { min: field.minimum ?? 0, max: field.maximum ?? Number.MAX_SAFE_INTEGER };
}

/** Parses a Prefer header; throws with a message naming the bad preference. */
export function parsePrefer(header: string | undefined): Preferences {
  const prefs: Preferences = {};
  if (!header) return prefs;
  const scenario: Scenario = {};
  for (const part of header.split(/[,;]/)) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    const value = part
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (key === 'code') prefs.code = value;
    else if (key === 'example') prefs.example = value;
    else if (key.startsWith('download-')) {
      const k = key.slice('download-'.length) as ScenarioKey;
      if (!SCENARIO_KEYS.includes(k))
        throw new Error(
          `Prefer \`${key}\` is unknown (known: ${SCENARIO_KEYS.map((s) => `download-${s}`).join(', ')})`,
        );
      if (!/^[0-9]{1,15}$/.test(value)) throw new Error(`Prefer \`${key}\` must be a non-negative integer`);
      const n = Number(value);
      const { min, max } = rangeOf(k);
      // Checked before it is signed into links: a status of 99 would make the object route throw.
      if (n < min || n > max)
        throw new Error(
          `Prefer \`${key}=${value}\` is out of range: ${min} to ${max} (admin spec, FaultRuleFields/${FIELD_OF[k]})`,
        );
      scenario[k] = n;
    }
  }
  if (Object.keys(scenario).length > 0) prefs.scenario = formatScenario(scenario);
  return prefs;
}

export function formatScenario(s: Scenario): string {
  return SCENARIO_KEYS.filter((k) => s[k] !== undefined)
    .map((k) => `${k}=${s[k]}`)
    .join(',');
}

/** Parses a scenario as carried in a link (already covered by the link's signature). */
export function parseScenario(value: string): Scenario {
  const s: Scenario = {};
  for (const part of value.split(',')) {
    const [k, v] = part.split('=');
    if (k && v !== undefined && (SCENARIO_KEYS as readonly string[]).includes(k)) s[k as ScenarioKey] = Number(v);
  }
  return s;
}
