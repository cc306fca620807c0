#!/usr/bin/env node
// A shim: everything is in main.ts, loaded with the real stdio, env and a Ctrl-C AbortSignal.
import { main } from './main.js';

const controller = new AbortController();
let interrupted = 0;
process.on('SIGINT', () => {
  // First Ctrl-C: stop cleanly (the download saves its state). Second: stop now.
  if (++interrupted > 1) process.exit(130);
  controller.abort(new Error('interrupted'));
});
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
