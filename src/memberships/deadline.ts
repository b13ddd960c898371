// The race between the provider and a request's deadline, written once for decisions and for
// POST /v1/projects/{id}/verify: whatever the provider has not managed by then is left behind.

/** How long past the deadline a provider may take to store what it fetched before the caller goes on. */
export const STORE_GRACE_MS = 250;

export type Bounded<T> = { status: 'done'; value: T } | { status: 'failed'; error: unknown } | { status: 'late' };

/**
 * Starts each call and waits for them until `deadline` + STORE_GRACE_MS at most. A call throwing
 * synchronously counts as failed, like a rejection. A call still running afterwards goes on and may
 * store what it fetches, for later requests; its outcome is `late`.
 */
export async function withinDeadline<T>(calls: ReadonlyArray<() => Promise<T>>, deadline: Date): Promise<Array<Bounded<T>>> {
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<{ status: 'late' }>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'late' }), Math.max(0, deadline.getTime() + STORE_GRACE_MS - Date.now()));
  });
  try {
    return await Promise.all(calls.map((call) => Promise.race([
      Promise.resolve().then(call).then(
        (value): Bounded<T> => ({ status: 'done', value }),
        (error: unknown): Bounded<T> => ({ status: 'failed', error }),
      ),
      timeUp,
    ])));
  } finally {
    clearTimeout(timer);
  }
}

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
