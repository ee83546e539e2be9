// Work cut into short tasks run when the browser is idle. A long job done in one go (laying out a hundred
// messages, ~150 ms on a mid-range phone) blocks taps and scrolling for that long; cut into tasks of a few
// milliseconds, input is answered between any two of them.

/** How long one task may keep working (ms). Well under the 50 ms that counts as a "long task", also on a
 *  phone several times slower than a desktop: a unit of work (one message) can run past the budget. */
const BUDGET_MS = 3;

/** At most this long (ms) between tasks when the browser is never idle (a busy page still gets there). */
const MAX_WAIT_MS = 300;

type Schedule = (run: (deadline?: IdleDeadline) => void) => number;

const schedule: Schedule = window.requestIdleCallback
  ? (run) => window.requestIdleCallback(run, { timeout: MAX_WAIT_MS })
  : (run) => window.setTimeout(run, 16); // Safari: no idle callback
const unschedule = (handle: number): void =>
  window.cancelIdleCallback ? window.cancelIdleCallback(handle) : window.clearTimeout(handle);

/**
 * Calls `step(more)` in idle tasks until it returns false. Within a task `step` does units of work while
 * `more()` is true (it may do one unit even when it is not). Returns a function that stops the job.
 */
export function inIdle(step: (more: () => boolean) => boolean): () => void {
  let handle = 0;
  let stopped = false;
  const run = (deadline?: IdleDeadline): void => {
    if (stopped) return;
    const start = performance.now();
    const more = (): boolean =>
      performance.now() - start < BUDGET_MS && (!deadline || deadline.didTimeout || deadline.timeRemaining() > 1);
    if (step(more) && !stopped) handle = schedule(run);
  };
  handle = schedule(run);
  return () => {
    stopped = true;
    unschedule(handle);
  };
}

/** Runs `work` once the browser is idle after the next paint (never before the first screen is shown). */
export function afterPaint(work: () => void): void {
  requestAnimationFrame(() => void schedule(() => work()));
}

/** Runs `step` in tasks of its own, one call a task, soon (something waits for it: not only when idle),
 *  until it returns false. Cutting one-off work this way keeps each task short. */
export function eachTask(step: () => boolean): Promise<void> {
  return new Promise((done) => {
    const run = (): void => void (step() ? window.setTimeout(run, 0) : done());
    window.setTimeout(run, 0);
  });
}
