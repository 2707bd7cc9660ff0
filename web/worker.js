// The Python side of the page: loads Pyodide, NumPy and glassnet, then answers requests.
//
// Why a worker: training blocks whatever thread runs it, so it runs here in short chunks
// (webapi.run(max_seconds=0.2)) and yields to the event loop between chunks. That is when pause,
// stop, set-lr and predict messages get read: the page stays responsive without SharedArrayBuffer.
//
// A thin dispatcher: {id, type: 'call', name, kwargs} calls webapi.<name>(**kwargs) (any
// module-level function of glassnet.webapi: a new one needs no edit here). Only the training loop
// lives here: 'init', 'train', 'pause', 'resume', 'stop'. Every request gets one reply
// {id, ok, result | error}; errors are mapped to {message, hint, option?, fatal?} in one place
// (describeError). The worker also sends {kind: 'events', events} (training events, in order)
// and {kind: 'progress', ...} while loading. A crash is handled by the bridge (bridge.js).

import { loadPyodide } from './pyodide/pyodide.mjs';

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
// value. Only public module-level functions can be called. Events the call queued (a run started,
// the model shelf changed: webapi.take_events) come back with the reply and go to the page first.
const CALL_PY = `
import inspect as _inspect
from glassnet import webapi as _webapi
from glassnet.errors import GlassnetError as _GlassnetError

def _glassnet_call(name, kwargs):
    fn = getattr(_webapi, name, None) if not name.startswith("_") else None
    if not _inspect.isfunction(fn) or fn.__module__ != _webapi.__name__:
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
  progress('python', 'Starting Python (Pyodide)…');
  const py = await loadPyodide({ indexURL: new URL('./pyodide/', import.meta.url).href });
  loadTimes.pyodide = performance.now();
  progress('numpy', 'Loading NumPy…');
  await py.loadPackage('numpy', { messageCallback: () => {}, errorCallback: () => {} });
  loadTimes.numpy = performance.now();
  if (!py.loadedPackages.numpy) {
    throw new Error('NumPy could not be loaded from pyodide/: this site is incomplete. Whoever hosts it can rebuild it (python build.py).');
  }
  py.runPython('import numpy'); // done here, it overlaps the wheel download
  loadTimes.numpyImport = performance.now();
  return py;
}
const booting = bootPython();
booting.catch(() => {}); // reported by init(), which awaits it

async function init({ wheelUrl, wheelSha256 }) {
  const t0 = performance.now();
  pyodide = await booting;
  progress('glassnet', 'Loading glassnet…');
  await installGlassnet(wheelUrl, wheelSha256);
  loadTimes.wheel = performance.now();
  callPy = pyodide.runPython(CALL_PY);
  loadTimes.glassnetImport = performance.now();
  ready = true;
  const info = call('info');
  const options = call('options');
  progress('ready', 'Python is ready.');
  return { info, options, presets: Object.fromEntries(Object.entries(options.presets).map(([k, v]) => [k, v.values])), seconds: (performance.now() - t0) / 1000, loadTimes };
}

const INCOMPLETE = 'this site is incomplete or half-updated. Reload in a minute; if it stays, whoever hosts it can rebuild it (python3 build.py).';

// By name when pyodide-lock.json lists glassnet (every build writes that entry): Pyodide fetches
// the wheel with the lock's sha256 as its integrity and resolves NumPy. A lock without the entry
// (Pyodide's own lock put back, a hand-made copy) makes loadPackage throw "No known package":
// then the wheel comes from its URL, and is installed only when its bytes have the sha256 that
// the build's manifest.json names.
async function installGlassnet(wheelUrl, wheelSha256) {
  const errors = [];
  const options = { messageCallback: () => {}, errorCallback: (msg) => errors.push(msg) };
  let listed = true;
  try {
    await pyodide.loadPackage('glassnet', options);
  } catch (err) {
    if (!/No known package/.test(String(err && err.message))) throw err;
    listed = false;
  }
  if (listed && !pyodide.loadedPackages.glassnet) {
    // A broken or changed wheel does not make loadPackage throw: only the errors say so.
    throw new Error(`The glassnet wheel could not be installed (${errors.join(' ') || 'no reason given'}): ${INCOMPLETE}`);
  }
  if (!listed) await installWheelFromUrl(wheelUrl, wheelSha256);
}

async function installWheelFromUrl(wheelUrl, wheelSha256) {
  if (!/^[0-9a-f]{64}$/.test(wheelSha256 || '')) {
    throw new Error(`manifest.json gives no sha256 for the glassnet wheel, so it cannot be checked: ${INCOMPLETE}`);
  }
  let response;
  try {
    response = await fetch(wheelUrl);
  } catch (err) {
    throw new Error(`The glassnet wheel could not be downloaded (${err.message}): check the network, then reload.`);
  }
  if (!response.ok) throw new Error(`The glassnet wheel is missing on the server (${wheelUrl}: HTTP ${response.status}): ${INCOMPLETE}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const digest = await sha256Hex(bytes);
  if (digest !== wheelSha256) {
    throw new Error(`The glassnet wheel on the server is not the one this build names (sha256 ${digest.slice(0, 12)}…, expected ${wheelSha256.slice(0, 12)}…): ${INCOMPLETE}`);
  }
  const sitePackages = pyodide.runPython('import sysconfig; sysconfig.get_path("purelib")');
  pyodide.unpackArchive(bytes, 'wheel', { extractDir: sitePackages });
  pyodide.runPython('import importlib; importlib.invalidate_caches()');
}

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
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
