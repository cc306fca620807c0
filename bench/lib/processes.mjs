import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { byRole, firstChild, sampleThreads } from './thread-cpu.mjs';

const rssReporter = fileURLToPath(new URL('./rss-reporter.mjs', import.meta.url));
const memoryReporter = fileURLToPath(new URL('./memory-reporter.mjs', import.meta.url));

/**
 * Starts a long-running server process and resolves when it prints a line matching `ready`
 * (whose first group is taken as its URL).
 */
export async function startServer(command, args, { ready, env = {}, cwd } = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise((resolve, reject) => {
    const onData = (chunk) => {
      out += chunk;
      const m = ready.exec(out);
      if (m) {
        child.stdout.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => {
      out += c;
    });
    child.once('exit', (code) =>
      reject(new Error(`${command} exited with ${code} before it was ready:\n${out.slice(-2000)}`)),
    );
    setTimeout(() => reject(new Error(`${command} not ready after 60 s:\n${out.slice(-2000)}`)), 60_000).unref();
  });
  child.stdout.resume();
  child.stderr.resume();
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * Runs a command to completion and measures its wall time (ms). For node processes, `nodeRss`
 * adds a preload that records the process's peak RSS (bytes) at exit; `memory` (with `nodeRss`)
 * another that returns `memory`, its process.memoryUsage() sampled at the highest RSS (see
 * memory-reporter.mjs). `cpu`: runs it under
 * GNU `/usr/bin/time`, whose wait4() rusage gives the CPU seconds (user + system) of the command
 * and of every process it waited for (all stages of an `sh -c` pipeline): `cpuSeconds`.
 * `killWhen(elapsedMs, pid)` is polled every 20 ms and `killAfterMs` is a timer; either SIGKILLs the
 * command (not with `cpu`, which would kill the wrapper). `started` of the result: the
 * process.hrtime.bigint() just before the spawn (CLOCK_MONOTONIC, comparable across processes).
 */
export async function runTimed(
  command,
  args,
  { env = {}, nodeRss = false, memory = false, killWhen, killAfterMs, cwd, cpu = false, threads = false } = {},
) {
  const tag = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const rssFile = join(tmpdir(), `dds-bench-rss-${tag}`);
  const cpuFile = join(tmpdir(), `dds-bench-cpu-${tag}`);
  const memoryFile = join(tmpdir(), `dds-bench-memory-${tag}`);
  const preloads = [...(nodeRss ? [rssReporter] : []), ...(nodeRss && memory ? [memoryReporter] : [])];
  const extra = nodeRss
    ? {
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${preloads.map((p) => `--import=${p}`).join(' ')}`.trim(),
        DDS_BENCH_RSS_FILE: rssFile,
        ...(memory ? { DDS_BENCH_MEMORY_FILE: memoryFile } : {}),
      }
    : {};
  if (cpu && (killWhen || killAfterMs)) throw new Error('runTimed: cpu cannot be combined with a kill');
  if (cpu) {
    args = ['-f', '%U %S', '-o', cpuFile, command, ...args];
    command = '/usr/bin/time';
  }
  const started = process.hrtime.bigint();
  const child = spawn(command, args, {
    env: { ...process.env, ...env, ...extra },
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  // `threads` (with `cpu`): per-thread CPU of the measured program, the child of /usr/bin/time.
  const sampler = threads && cpu ? firstChild(child.pid).then((pid) => ({ pid, s: sampleThreads(pid) })) : undefined;
  let killer;
  let timer;
  if (killWhen) {
    killer = setInterval(async () => {
      if (await killWhen(Number(process.hrtime.bigint() - started) / 1e6, child.pid)) {
        clearInterval(killer);
        child.kill('SIGKILL');
      }
    }, 20);
  }
  if (killAfterMs) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const [code, signal] = await once(child, 'exit');
  clearInterval(killer);
  clearTimeout(timer);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  let threadCpu;
  if (sampler) {
    const { pid, s } = await sampler;
    threadCpu = byRole(pid, await s.stop());
  }
  let cpuSeconds;
  if (cpu) {
    // The last line: time writes "Command exited with non-zero status N" first on a failure.
    const line = (await readFile(cpuFile, 'utf8').catch(() => '')).trim().split('\n').pop() ?? '';
    const [user, system] = line.split(' ').map(Number);
    cpuSeconds = user + system;
    await rm(cpuFile, { force: true });
  }
  let peakRss;
  if (nodeRss) {
    peakRss = Number(await readFile(rssFile, 'utf8').catch(() => 'NaN'));
    await rm(rssFile, { force: true });
  }
  let memoryAtPeak;
  if (nodeRss && memory) {
    memoryAtPeak = JSON.parse(await readFile(memoryFile, 'utf8').catch(() => 'null'));
    await rm(memoryFile, { force: true });
  }
  return { ms, code, signal, peakRss, memory: memoryAtPeak, stderr, cpuSeconds, started, threadCpu };
}

/**
 * CPU seconds (user + system) a running process has used so far, from /proc/PID/stat
 * (utime + stime, in clock ticks of 1/100 s on Linux): read before and after a transfer to charge
 * a long-running server with what it spent on it.
 */
export async function processCpuSeconds(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of proc(5); fields[0] here is field 3 (state).
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

/** Bytes a running process has passed to write()-like system calls so far (/proc/PID/io wchar). */
export async function processBytesWritten(pid) {
  const io = await readFile(`/proc/${pid}/io`, 'utf8');
  return Number(/^wchar: (\d+)$/m.exec(io)?.[1] ?? Number.NaN);
}
