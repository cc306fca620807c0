// Bundles each openapi/*.openapi.yaml into one JSON file under bundled/: the form runtime code
// loads (no YAML parser needed at run time). The YAML has no external $refs, so bundling is a
// faithful conversion; internal $refs are kept so validators can report schema names.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { writeOrCheck } from '../../scripts/generated-files.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = new Map();
for (const name of (await readdir(root)).filter((n) => n.endsWith('.openapi.yaml')).sort()) {
  const doc = parse(await readFile(join(root, name), 'utf8'));
  files.set(join(root, 'bundled', name.replace(/\.yaml$/, '.json')), `${JSON.stringify(doc, null, 2)}\n`);
}
await writeOrCheck(files, { command: 'npm run generate' });
