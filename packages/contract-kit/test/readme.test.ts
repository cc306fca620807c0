// The README is checked like generated code: the example file, the checks table and the sample
// diff it shows are what the code really has and does.
import { readFileSync } from 'node:fs';
import { showBackupDownloadLinkExamples as examples } from '@dds-backup/contract';
import { describe, expect, it } from 'vitest';
import { checkConforms, listChecks } from '../src/index.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const readme = read('../README.md');

describe('README', () => {
  it('shows test/partner-example.test.ts verbatim', () => {
    expect(readme).toContain(`\`\`\`ts\n${read('./partner-example.test.ts').trimEnd()}\n\`\`\`\n`);
  });

  it('lists exactly the checks the suite runs, with their descriptions', () => {
    const rows = readme
      .split('\n')
      .filter((l) => /^\| `[a-z.\-_]+` \| /.test(l))
      .map((l) => /^\| `([^`]+)` \| (.*) \|$/.exec(l)!.slice(1));
    expect(rows).toEqual(listChecks().map((c) => [c.name, c.description.replace(/\|/g, '\\|')]));
  });

  it('its sample diff is what assertConforms prints', async () => {
    const block = /```\n(ShowBackupDownloadLink answer 200 does not conform[^`]*)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const { bucket: _, ...body } = structuredClone(examples['200']['replica-set']) as Record<string, any>;
    body.files[0].size = '2803';
    const res = new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
    expect(`${(await checkConforms('ShowBackupDownloadLink', res)).message}\n`).toBe(block);
  });
});
