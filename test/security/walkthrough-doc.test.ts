// The README's walk-through is scripts/walkthrough.sh, verbatim, so the text a newcomer copies is
// the script that is run; the script stops on the first error.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;

describe('the README walk-through', () => {
  it('is scripts/walkthrough.sh verbatim, strict and re-runnable', () => {
    const script = readFileSync(`${root}scripts/walkthrough.sh`, 'utf8');
    expect(readFileSync(`${root}README.md`, 'utf8')).toContain(`\`\`\`sh\n${script}\`\`\``);
    expect(script).toMatch(/^set -euo pipefail$/m);
    expect(script).toContain('--fail-with-body');
    // Fresh codes each run: nothing that must be unique is a constant.
    expect(script).toMatch(/"code":"PKG-'\$RUN'"/);
    expect(script).toMatch(/"nib":"912'\$RUN'"/);
    expect(script).toContain('idempotent-replayed');
    expect(script).toMatch(/audit:verify -- export\.ndjson --checkpoint checkpoint\.json/);
  });
});
