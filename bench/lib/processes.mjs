import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const rssReporter = fileURLToPath(new URL('./rss-reporter.mjs', import.meta.url));

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
 * adds a preload that records the process's peak RSS (bytes) at exit.
 */
export async function runTimed(command, args, { env = {}, nodeRss = false, killWhen, cwd } = {}) {
  const rssFile = join(tmpdir(), `dds-bench-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const extra = nodeRss
    ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${rssReporter}`.trim(), DDS_BENCH_RSS_FILE: rssFile }
    : {};
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
  let killer;
  if (killWhen) {
    killer = setInterval(async () => {
      if (await killWhen()) {
        clearInterval(killer);
        child.kill('SIGKILL');
      }
    }, 20);
  }
  const [code, signal] = await once(child, 'exit');
  clearInterval(killer);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  let peakRss;
  if (nodeRss) {
    peakRss = Number(await readFile(rssFile, 'utf8').catch(() => 'NaN'));
    await rm(rssFile, { force: true });
  }
  return { ms, code, signal, peakRss, stderr };
}
