import { describe, expect, it } from 'vitest';
import { createClock } from '../src/index.js';

describe('createClock', () => {
  it('frozen at a start stands exactly there; advance/set/unfreeze move it', () => {
    let real = 1_000_000;
    const clock = createClock({ start: '2030-01-01T00:00:00Z', frozen: true, source: () => real++ });
    expect(clock.now()).toBe(Date.UTC(2030, 0, 1));
    clock.advance(10);
    expect(clock.now()).toBe(Date.UTC(2030, 0, 1) + 10_000);
    clock.set(5);
    expect(clock.now()).toBe(5);
    clock.unfreeze();
    expect(clock.frozen).toBe(false);
    const a = clock.now();
    expect(clock.now()).toBeGreaterThan(a); // follows the source again
    clock.freeze();
    expect(clock.now()).toBe(clock.now());
  });

  it('unfrozen with a start follows the source from that start', () => {
    let real = 0;
    const clock = createClock({ start: 1000, source: () => real });
    real = 500;
    expect(clock.now()).toBe(1500);
    clock.advance(1);
    expect(clock.now()).toBe(2500);
  });
});
