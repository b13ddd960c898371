// The decision path's shared WAL flush: a caller is answered only by a flush sent after it asked
// (one sent before may not cover its commit), and callers who ask while a flush runs share one.
import { describe, expect, it } from 'vitest';
import { createWalFlusher, type Executor } from '../../src/db/client.ts';

/** An executor whose statements finish when the test says so. */
function manualExecutor() {
  const pending: Array<{ finish: (err?: Error) => void }> = [];
  const executor = {
    execute: () => new Promise((resolve, reject) => {
      pending.push({ finish: (err) => (err ? reject(err) : resolve({ rows: [] })) });
    }),
  } as unknown as Executor;
  return { executor, pending };
}

const settled = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

describe('createWalFlusher', () => {
  it('starts a flush at once when none runs, and shares the next one among callers who came meanwhile', async () => {
    const { executor, pending } = manualExecutor();
    const flush = createWalFlusher(executor);
    const done: string[] = [];
    const first = flush().then(() => done.push('first'));
    expect(pending).toHaveLength(1);
    const second = flush().then(() => done.push('second'));
    const third = flush().then(() => done.push('third'));
    await settled();
    expect(pending).toHaveLength(1); // the second and third wait for a flush sent after they asked

    pending[0]?.finish();
    await first;
    await settled();
    expect(done).toEqual(['first']);
    expect(pending).toHaveLength(2); // exactly one more flush, shared by both

    pending[1]?.finish();
    await Promise.all([second, third]);
    expect(done.sort()).toEqual(['first', 'second', 'third']);

    const fourth = flush();
    expect(pending).toHaveLength(3); // idle again: the next caller starts its own at once
    pending[2]?.finish();
    await fourth;
  });

  it('hands a failed flush to its callers, and the queued callers still get a flush of their own', async () => {
    const { executor, pending } = manualExecutor();
    const flush = createWalFlusher(executor);
    const first = flush();
    const second = flush();
    pending[0]?.finish(new Error('connection lost'));
    await expect(first).rejects.toThrow('connection lost');
    await settled();
    expect(pending).toHaveLength(2);
    pending[1]?.finish();
    await expect(second).resolves.toBeUndefined();
  });
});
