#!/usr/bin/env node
// A shim: everything is in main.ts, loaded with the real stdio, env and an AbortSignal that
// Ctrl-C (SIGINT) and SIGTERM (systemd, docker stop, Kubernetes) fire alike. The abort reason
// names the signal, so main() exits 130 for SIGINT and 143 for SIGTERM (128 + its number).
import { sizeHeap } from './heap-sizing.js';

// Before anything else is loaded: the young generation must not grow first (heap-sizing.ts).
sizeHeap();
const { main } = await import('./main.js');

const controller = new AbortController();
let stoppedBy: NodeJS.Signals | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // First signal: stop cleanly (the download saves its state and releases its lock). Second: stop now.
    if (stoppedBy) process.exit(stoppedBy === 'SIGTERM' ? 143 : 130);
    stoppedBy = signal;
    controller.abort(Object.assign(new Error(signal === 'SIGTERM' ? 'terminated' : 'interrupted'), { signal }));
  });
}
const stdin = async () => {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
};
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
  stdin,
});
