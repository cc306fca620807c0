import { describe, expect, it } from 'vitest';
import { singleFlight } from '../src/single-flight.js';

describe('singleFlight', () => {
  it('calls while a run is in flight share it; the first call after it settles runs again', async () => {
    const started: string[] = [];
    let release!: (v: string) => void;
    const run = singleFlight((who: string) => {
      started.push(who);
      return new Promise<string>((resolve) => (release = resolve));
    });
    const a = run('a');
    const b = run('b');
    expect(started).toEqual(['a']);
    release('one');
    expect(await Promise.all([a, b])).toEqual(['one', 'one']);
    const c = run('c');
    expect(started).toEqual(['a', 'c']);
    release('two');
    expect(await c).toBe('two');
  });

  it('a failed run rejects every waiter alike, and the next call tries again', async () => {
    let calls = 0;
    const run = singleFlight(async () => {
      calls++;
      if (calls === 1) throw new Error('refused');
      return calls;
    });
    const results = await Promise.allSettled([run(), run()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await run()).toBe(2);
  });

  it('a task that throws before its first await is a rejection, not a throw', async () => {
    const run = singleFlight((): Promise<never> => {
      throw new Error('sync');
    });
    await expect(run()).rejects.toThrow('sync');
    await expect(run()).rejects.toThrow('sync');
  });
});
