import { readdir, readFile } from 'node:fs/promises';

const CLOCK_TICKS = 100;

/**
 * Samples the CPU time of every thread of a running process from /proc/PID/task/TID/stat until
 * `stop()`; returns the last sample of each thread, user and system seconds apart. A thread's
 * time is read while it lives, so up to one interval of its last work is missed (50 ms by
 * default: small against a transfer of seconds). Node 20 names all its threads `node`, so the
 * caller tells them apart by role: the main thread's id is the pid; the engine's hash worker is
 * the busiest of the others; the rest are V8's helpers (GC, compiler) and libuv's pool.
 */
export function sampleThreads(pid, intervalMs = 50) {
  const last = new Map();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      let tids = [];
      try {
        tids = await readdir(`/proc/${pid}/task`);
      } catch {
        return;
      }
      for (const tid of tids) {
        try {
          const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
          const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          last.set(Number(tid), { user: Number(f[11]) / CLOCK_TICKS, system: Number(f[12]) / CLOCK_TICKS });
        } catch {
          // the thread ended between readdir and read: its last sample stands
        }
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return last;
    },
  };
}

/** The pid of the first child of `pid` (e.g. the program `/usr/bin/time` runs), once it exists. */
export async function firstChild(pid, timeoutMs = 5000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
    const child = Number(text.trim().split(' ')[0]);
    if (child > 0) return child;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`no child of ${pid} within ${timeoutMs} ms`);
}

/** Groups a sample by role (see sampleThreads): main, the busiest other thread, all the rest. */
export function byRole(pid, sample) {
  const main = sample.get(pid) ?? { user: 0, system: 0 };
  const others = [...sample.entries()].filter(([tid]) => tid !== pid).map(([, t]) => t);
  others.sort((a, b) => b.user + b.system - (a.user + a.system));
  const [busiest = { user: 0, system: 0 }, ...rest] = others;
  const sum = (xs) =>
    xs.reduce((a, t) => ({ user: a.user + t.user, system: a.system + t.system }), { user: 0, system: 0 });
  return { main, busiest, rest: sum(rest) };
}
