// Preloaded into a measured node process (NODE_OPTIONS=--import=…): writes its peak resident set
// size in bytes to DDS_BENCH_RSS_FILE when it exits.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.DDS_BENCH_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
});
