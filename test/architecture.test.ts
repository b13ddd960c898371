// The layout rules a newcomer relies on (style.md, ARCHITECTURE.md), checked on every run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCycles, importGraph } from './helpers/import-graph.ts';

const SRC = join(import.meta.dirname, '..', 'src');

describe('the source layout', () => {
  it('has no import cycles (type-only imports included)', () => {
    expect(findCycles(importGraph(SRC))).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    const graph = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
    expect(findCycles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
  });

  it('reads every kind of relative import', () => {
    const graph = importGraph(join(SRC, 'disbursements'));
    // import type, a multi-line import, and a plain import
    expect(graph.get('repository.ts')).toEqual(expect.arrayContaining(['decision.ts', 'access.ts']));
    expect(graph.get('service.ts')).toEqual(expect.arrayContaining(['repository.ts', 'decide.ts']));
  });

  it('keeps SQL in repositories (and the database layer)', () => {
    const offenders = [...importGraph(SRC).keys()].filter((file) => {
      if (file.startsWith('db/') || file.endsWith('repository.ts')) return false;
      // audit/append.ts is the audit chain's own data access (its two statements are the chain's invariant).
      if (file === 'audit/append.ts') return false;
      return /\bsql`/.test(readFileSync(join(SRC, file), 'utf8'));
    });
    expect(offenders).toEqual([]);
  });
});
