// Loads openapi/.spectral.yaml through Spectral's own API, so rule tests run the exact ruleset
// CI lints with (spectral:oas included), in-process.
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import core from '@stoplight/spectral-core';
import parsers from '@stoplight/spectral-parsers';
import { bundleAndLoadRuleset } from '@stoplight/spectral-ruleset-bundler/with-loader';
import runtime from '@stoplight/spectral-runtime';

const rulesetPath = fileURLToPath(new URL('../.spectral.yaml', import.meta.url));
let spectral: InstanceType<typeof core.Spectral> | undefined;

export interface LintResult {
  code: string;
  message: string;
  path: string;
  severity: number;
}

/** Lints a document (JSON or YAML text) with the project ruleset. */
export async function lint(text: string, name = 'snippet.yaml'): Promise<LintResult[]> {
  if (!spectral) {
    spectral = new core.Spectral();
    spectral.setRuleset(await bundleAndLoadRuleset(rulesetPath, { fs, fetch: runtime.fetch }));
  }
  const results = await spectral.run(new core.Document(text, parsers.Yaml, name));
  return results.map((r) => ({
    code: String(r.code),
    message: r.message,
    path: r.path.join('.'),
    severity: r.severity,
  }));
}
