// Talks to worker.js: one Promise per request (matched by id) plus a stream of events.
//
// Why: postMessage has no replies, and a worker that dies (a failed import, Python running out
// of memory) says so only through an 'error' event. The bridge turns both into something the
// page can await, and rejects every pending request with a clear message when the worker dies,
// so no button waits forever.

export class WorkerCrashed extends Error {
  constructor(message) {
    super(message);
    this.hint = 'Click "Reload worker" to start Python again. Your settings stay as they are.';
    this.crashed = true;
  }
}

export class RequestFailed extends Error {
  constructor({ message, hint, option }) {
    super(message);
    this.hint = hint || '';
    this.option = option || null; // the setting at fault, when one is (a field can show it)
  }
}

export class Bridge {
  /**
   * @param {URL|string} url  the module worker script
   * @param {{onEvent?: Function, onProgress?: Function, onCrash?: Function}} listeners
   */
  constructor(url, listeners = {}) {
    this.url = url;
    this.listeners = listeners;
    this.pending = new Map();
    this.nextId = 1;
    this.crashed = null;
    this.start();
  }

  start() {
    this.crashed = null;
    // A Web Lock that the worker holds for its whole life: when the lock comes free, the worker
    // is gone (killed, out of memory, closed) even if it said nothing. No timers, no guessing.
    const life = `glassnet-worker-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    const url = new URL(this.url, location.href);
    url.searchParams.set('life', life);
    const worker = new Worker(url, { type: 'module' });
    this.worker = worker;
    this.worker.addEventListener('message', (e) => {
      if (e.data?.kind === 'alive') this.watch(worker, life);
      else this.receive(e.data);
    });
    this.worker.addEventListener('error', (e) => {
      e.preventDefault?.();
      const where = e.filename ? ` (${e.filename.split('/').pop()}:${e.lineno})` : '';
      this.crash(`The Python worker stopped: ${e.message || 'it could not start'}${where}.`);
    });
    this.worker.addEventListener('messageerror', () => {
      this.crash('The Python worker sent a message the page could not read.');
    });
  }

  /** Waits (without polling) for the worker's life lock; granted means the worker ended. */
  watch(worker, life) {
    navigator.locks?.request(life, () => {
      if (this.worker === worker && !worker.ended) {
        this.crash('The Python worker stopped unexpectedly (the browser may have run out of memory).');
      }
    });
  }

  /** Ends the worker on purpose (the watch above then stays quiet). */
  terminate() {
    this.worker.ended = true;
    this.worker.terminate();
  }

  /** Ends the worker (and whatever it was doing) and starts a fresh one. */
  restart() {
    this.terminate();
    this.rejectAll(new WorkerCrashed('The Python worker was restarted.'));
    this.start();
  }

  receive(message) {
    if (message.kind === 'event') {
      this.listeners.onEvent?.(message.event);
    } else if (message.kind === 'events') {
      for (const event of message.events) this.listeners.onEvent?.(event);
    } else if (message.kind === 'progress') {
      this.listeners.onProgress?.(message);
    } else if (message.kind === 'fatal') {
      this.crash(message.error.message);
    } else if (this.pending.has(message.id)) {
      const { resolve, reject } = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.ok) resolve(message.result);
      else reject(new RequestFailed(message.error));
    }
  }

  crash(message) {
    if (this.crashed) return;
    this.crashed = new WorkerCrashed(message);
    this.rejectAll(this.crashed);
    this.listeners.onCrash?.(this.crashed);
  }

  rejectAll(error) {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  /**
   * Calls glassnet.webapi.<name>(**kwargs) in the worker and resolves with its result (bytes
   * come back as a Uint8Array). Any webapi function works: none is mirrored here or in worker.js.
   * @param {string} name  a function of glassnet.webapi
   * @param {object} kwargs  its keyword arguments (ArrayBuffers and typed arrays become bytes)
   * @param {Transferable[]} transfer  buffers handed over (not copied)
   */
  call(name, kwargs = {}, transfer = []) {
    return this.request('call', { name, kwargs }, transfer);
  }

  /**
   * Sends one request to the worker itself (init, train, pause, resume, stop) and resolves with
   * its result.
   * @param {string} type  a handler name in worker.js
   * @param {object} args  sent along with the request
   * @param {Transferable[]} transfer  buffers handed over (not copied)
   */
  request(type, args = {}, transfer = []) {
    if (this.crashed) return Promise.reject(this.crashed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, ...args }, transfer);
    });
  }
}
