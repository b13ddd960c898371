// COPY text gathered in reused buffers (src/db/copy.ts): what `take` hands over is exactly the
// lines added since the last call, in UTF-8, whatever their size.
import { describe, expect, it } from 'vitest';
import { CopyLines, copyField } from '../../src/db/copy.ts';

describe('CopyLines', () => {
  it('hands over the lines added since the last take, as UTF-8, in two buffers taken in turn', () => {
    const lines = new CopyLines(64);
    const first = ['1\tSiti\n', `2\t${copyField('a\\b\tc')}\n`, '3\tÉmile 😀 Nguyễn\n'];
    for (const line of first) lines.add(line);
    expect(lines.count).toBe(3);
    const a = lines.take();
    expect(a.toString('utf8')).toBe(first.join(''));
    expect(lines.count).toBe(0);
    // The next lines go to the other buffer: what was taken stays as it was until the next take.
    lines.add('4\tx\n');
    expect(a.toString('utf8')).toBe(first.join(''));
    expect(lines.take().toString('utf8')).toBe('4\tx\n');
    expect(lines.take().length).toBe(0);
  });

  it('grows a buffer for more lines, or a longer line, than it holds', () => {
    const lines = new CopyLines(16);
    const many = Array.from({ length: 500 }, (_, i) => `${i}\t${'ü'.repeat(i % 7)}\n`);
    for (const line of many) lines.add(line);
    const long = `${'€'.repeat(10_000)}\n`;
    lines.add(long);
    expect(lines.take().toString('utf8')).toBe(many.join('') + long);
    lines.add(long);
    expect(lines.take().toString('utf8')).toBe(long);
  });
});
