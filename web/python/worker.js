// The Python side of the page: loads Pyodide, NumPy and glassnet, then answers requests.
//
// Why a worker: training blocks whatever thread runs it, so it runs here in short chunks
// (webapi.run(max_seconds=0.2)) and yields to the event loop between chunks. That is when pause,
// stop, set-lr and predict messages get read: the page stays responsive without SharedArrayBuffer.
//
// A thin dispatcher: {id, type: 'call', name, kwargs} calls webapi.<name>(**kwargs) for a name in
// glassnet.webapi.PAGE_CALLS (the one list of page calls: a new one needs no edit here). Only the training loop
// lives here: 'init', 'train', 'pause', 'resume', 'stop'. Every request gets one reply
// {id, ok, result | error}; errors are mapped to {message, hint, option?, fatal?} in one place
// (describeError). The worker also sends {kind: 'events', events} (training events, in order)
// and {kind: 'progress', ...} while loading. A crash is handled by the bridge (bridge.js).

import { installGlassnet, startPython } from './pyodide-loader.js';

let pyodide = null;
let ready = false;

// The bridge names a Web Lock in our URL (?life=...); holding it until this worker ends lets the
// page notice at once when the worker dies for any reason (see bridge.js).
const lifeLock = new URL(self.location.href).searchParams.get('life');
if (lifeLock && self.navigator.locks) {
  self.navigator.locks.request(lifeLock, () => {
    self.postMessage({ kind: 'alive' });
    return new Promise(() => {}); // held for the worker's whole life
  });
}
const training = { active: false, paused: false, loop: null };

function post(message, transfer = []) {
  self.postMessage(message, transfer);
}

function progress(stage, message) {
  post({ kind: 'progress', stage, message, time: performance.now() });
}

function sendEvents(events) {
  if (events && events.length) post({ kind: 'events', events });
}

// A PyProxy result as plain JS, with the proxy freed (Python memory is not garbage collected
// from JS).
function toJs(value) {
  if (value && typeof value.toJs === 'function') {
    const plain = value.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
    value.destroy();
    return plain;
  }
  return value;
}

// A GlassnetError from Python: its str() is the message for people, .hint says what to do and
// .option (for settings) names the field at fault.
class GlassnetError extends Error {
  constructor({ message, hint, option }) {
    super(message);
    this.hint = hint || '';
    this.option = option || null;
  }
}

/** The one place where a failure becomes what the page shows. */
function describeError(err) {
  if (err instanceof GlassnetError) return { message: err.message, hint: err.hint, option: err.option };
  const text = err && err.message ? err.message : String(err);
  if (/fatal|memory access out of bounds|Out of memory|call stack/i.test(text) || !pythonAlive()) {
    return { message: `Python stopped: ${text}`, hint: 'Click "Reload worker" to start Python again.', fatal: true };
  }
  if (err && err.type) { // a Python exception that is not a GlassnetError: a bug
    const lines = text.trim().split('\n');
    return {
      message: lines[lines.length - 1],
      hint: 'This looks like a bug in glassnet. Reload the page; if it happens again, report this message.',
    };
  }
  return { message: text, hint: '' };
}

// After an unexpected error: can Python still run anything? (A fatal error in Pyodide leaves
// it unusable, and then every later call fails: the page must offer the reload at once.)
function pythonAlive() {
  if (!pyodide) return true;
  try {
    pyodide.runPython('None');
    return true;
  } catch (_) {
    return false;
  }
}

// Calls webapi.<name>(**kwargs) through a tiny Python wrapper that turns GlassnetError into a
// value. Only the names in webapi.PAGE_CALLS can be called. Events the call queued (a run started,
// the model shelf changed: webapi.take_events) come back with the reply and go to the page first.
const CALL_PY = `
from glassnet import webapi as _webapi
from glassnet.errors import GlassnetError as _GlassnetError

def _glassnet_call(name, kwargs):
    fn = _webapi.PAGE_CALLS.get(name)
    if fn is None:
        return {"ok": False, "message": f"the page asked for an unknown function {name!r}",
                "hint": "Reload the page; if it happens again, report this message."}
    kw = kwargs.to_py(depth=1) if hasattr(kwargs, "to_py") else dict(kwargs or {})
    try:
        reply = {"ok": True, "result": fn(**kw)}
    except _GlassnetError as exc:
        reply = {"ok": False, "message": str(exc), "hint": getattr(exc, "browser_hint", None) or getattr(exc, "hint", "") or "",
                 "option": getattr(exc, "option", None)}
    reply["events"] = _webapi.take_events()["events"]
    return reply

_glassnet_call
`;
let callPy = null;

/** webapi.<name>(**kwargs) -> its result as plain JS (bytes arrive as a Uint8Array). */
function call(name, kwargs = {}) {
  if (!ready) throw new Error('Python is still loading. Wait for the page to say it is ready.');
  const clean = Object.fromEntries(Object.entries(kwargs).filter(([, v]) => v !== undefined));
  const py = pyodide.toPy(clean, { depth: 1 });
  let reply;
  try {
    reply = toJs(callPy(name, py));
  } finally {
    py.destroy();
  }
  sendEvents(reply.events);
  if (!reply.ok) throw new GlassnetError(reply);
  return reply.result;
}

// ---------------------------------------------------------------- loading

// Python and NumPy start loading as soon as the worker exists, while the page is still reading
// manifest.json (which names our wheel); init() then only adds glassnet.
// Milliseconds since the worker started, per loading stage (init() returns them: the benchmark
// and people tuning start-up read them).
const loadTimes = {};

async function bootPython() {
  const stages = { python: 'Starting Python (Pyodide)…', numpy: 'Loading NumPy…' };
  const { pyodide: py, times } = await startPython({
    indexURL: new URL('../pyodide/', import.meta.url).href,
    onStage: (stage) => progress(stage, stages[stage]),
  });
  Object.assign(loadTimes, times);
  return py;
}
const booting = bootPython();
booting.catch(() => {}); // reported by init(), which awaits it

async function init({ wheelUrl, wheelSha256 }) {
  const t0 = performance.now();
  pyodide = await booting;
  progress('glassnet', 'Loading glassnet…');
  await installGlassnet(pyodide, { wheelUrl, wheelSha256 });
  loadTimes.wheel = performance.now();
  callPy = pyodide.runPython(CALL_PY);
  loadTimes.glassnetImport = performance.now();
  ready = true;
  const info = call('info');
  const options = call('options');
  progress('ready', 'Python is ready.');
  return { info, options, seconds: (performance.now() - t0) / 1000, loadTimes };
}

// ---------------------------------------------------------------- training loop

const nextTick = () => new Promise((resolve) => setTimeout(resolve, 0));

function loopState(active) {
  call('set_loop_running', { running: active });
}

async function trainLoop() {
  await nextTick(); // let the reply to "train" go out before the first events
  loopState(true);
  try {
    while (training.active && !training.paused) {
      let chunk;
      try {
        chunk = call('run', { max_seconds: 0.2 });
      } catch (err) {
        training.active = false;
        const e = describeError(err);
        sendEvents([{ event: 'error', message: e.message, hint: e.hint }]);
        if (e.fatal) post({ kind: 'fatal', error: e });
        return;
      }
      sendEvents(chunk.events); // one message a chunk
      if (chunk.finished) {
        training.active = false;
        return;
      }
      await nextTick(); // read pause / stop / predict / set-lr messages here
    }
  } finally {
    if (ready) {
      try { loopState(false); } catch (_) { /* Python is gone: the bridge reports it */ }
    }
  }
}

function startLoop() {
  training.loop = trainLoop().finally(() => {
    training.loop = null;
  });
}

async function endLoop() {
  training.active = false;
  if (training.loop) await training.loop;
}

const control = {
  init,
  async train({ config }) {
    await endLoop();
    const result = call('start', { config });
    training.active = true;
    training.paused = false;
    startLoop();
    return result;
  },
  async pause() {
    if (!training.active) return { paused: false };
    training.paused = true;
    if (training.loop) await training.loop;
    return { paused: true };
  },
  resume() {
    if (!training.active) return { resumed: false };
    training.paused = false;
    if (!training.loop) startLoop();
    return { resumed: true };
  },
  async stop() {
    const wasActive = training.active;
    await endLoop();
    if (!wasActive) return { stopped: false };
    sendEvents(call('stop').events);
    return { stopped: true };
  },
  call({ name, kwargs }) {
    const result = call(name, kwargs || {});
    if (ArrayBuffer.isView(result) && !(result instanceof Uint8Array)) {
      return new Uint8Array(result.buffer, result.byteOffset, result.byteLength);
    }
    return result;
  },
};

self.onmessage = async ({ data }) => {
  const { id, type } = data;
  const handler = control[type];
  try {
    if (!handler) throw new GlassnetError({ message: `Unknown request "${type}".` });
    const result = await handler(data);
    const transfer = result instanceof Uint8Array ? [result.buffer] : [];
    post({ id, ok: true, result }, transfer);
  } catch (err) {
    const error = describeError(err);
    post({ id, ok: false, error });
    if (error.fatal) post({ kind: 'fatal', error });
  }
};
