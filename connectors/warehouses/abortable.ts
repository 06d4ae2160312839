/**
 * Races an SDK promise against an AbortSignal. Warehouse SDK calls (job polling, statement callbacks) cannot be
 * aborted themselves; racing lets an abort end the wait at once while the connector's cleanup cancels the work on
 * the server. The raced promise's own later rejection is swallowed so it never surfaces as unhandled.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, abortError: () => Error): Promise<T> {
  if (!signal) return promise;
  promise.catch(() => undefined);
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
