/**
 * `task`, at most one run at a time: a call while a run is in flight gets that run's promise
 * (settled alike, value or error), and the first call after it settles starts a new run. The
 * in-flight run was started with the first caller's arguments; later callers' are not used.
 * For caches that must not ask twice at once: the project-ID lookup, a password token, a links
 * refresh.
 */
export function singleFlight<A extends unknown[], T>(task: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  let running: Promise<T> | undefined;
  return (...args) => {
    running ??= (async () => task(...args))().finally(() => {
      running = undefined;
    });
    return running;
  };
}
