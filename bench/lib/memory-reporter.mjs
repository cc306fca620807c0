// Preloaded into a measured node process (NODE_OPTIONS=--import=…) beside rss-reporter.mjs:
// samples process.memoryUsage() every 25 ms and writes, when the process exits, the sample taken
// at the highest RSS (where the peak's bytes are: V8's heap, ArrayBuffers, the rest) to
// DDS_BENCH_MEMORY_FILE as JSON, in bytes. The peak itself is rusage's (rss-reporter.mjs): a
// sample may miss it by up to one interval.
import { writeFileSync } from 'node:fs';

let atPeak;
const timer = setInterval(() => {
  const m = process.memoryUsage();
  if (!atPeak || m.rss >= atPeak.rss) atPeak = m;
}, 25);
timer.unref();
process.on('exit', () => {
  const file = process.env.DDS_BENCH_MEMORY_FILE;
  if (file && atPeak) writeFileSync(file, JSON.stringify(atPeak));
});
