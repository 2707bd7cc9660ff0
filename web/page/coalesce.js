// One refresh in flight at a time: calls made meanwhile collapse into a single run afterwards,
// so a view never falls behind the model and never floods the worker with requests.

/** Wraps an async function; the result runs it now, or once more after the run in flight. */
export function coalesced(run) {
  let busy = false;
  let again = false;
  return async function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      await run();
    } finally {
      busy = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  };
}
