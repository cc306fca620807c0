/** Median of numbers (mean of the middle two for even counts). */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** { median, min, max, n } of numbers. */
export function summary(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

/**
 * Runs `sides` in alternation (A B A B ...) for `rounds` rounds after `warmup` unrecorded rounds,
 * so slow drift of a shared machine hits every side alike. Each side returns a number or an
 * object of numbers; the result holds every sample per side.
 */
export async function alternate(sides, { rounds, warmup = 1 }) {
  const samples = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  for (let r = 0; r < warmup + rounds; r++) {
    for (const [name, fn] of Object.entries(sides)) {
      const value = await fn(r);
      if (r >= warmup) samples[name].push(value);
    }
  }
  return samples;
}

/** Picks one metric out of object samples. */
export const pick = (samples, key) => samples.map((s) => (typeof s === 'number' ? s : s[key]));

export const fmt = (n, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';
