// Item 12 (first contact): `npm run token -- --help` explains itself; a wrong option says what is wrong.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cwd = new URL('../..', import.meta.url).pathname;

describe('npm run token', () => {
  it('prints its usage with --help and exits 0', async () => {
    const { stdout } = await run(process.execPath, ['src/cli/token.ts', '--help'], { cwd, timeout: 120_000 });
    expect(stdout).toMatch(/^usage: npm run -s token -- --role <role>/);
    expect(stdout).toContain('--opd');
    expect(stdout).toContain('TOKEN=$(npm run -s token -- --role admin)');
  });

  it('refuses an unknown option with the usage and exit code 2', async () => {
    const failed = await run(process.execPath, ['src/cli/token.ts', '--rol', 'admin'], { cwd, timeout: 120_000 }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toMatch(/Unknown option '--rol'[\s\S]*usage:/);
  });
}, 240_000);
