// The Python side of the page: loads Pyodide, NumPy and glassnet, then answers requests.
//
// Why a worker: training blocks whatever thread runs it, so it runs here in short chunks
// (webapi.run(0.2)) and yields to the event loop between chunks. That is when pause, stop,
// set-lr and predict messages get read: the page stays responsive without SharedArrayBuffer.
//
// Protocol (see bridge.js): requests {id, type, ...} get one reply {id, ok, result | error};
// the worker also sends {kind: "event", event} or {kind: "events", events} (training events, in
// order) and {kind: "progress", ...} while loading.

import { loadPyodide } from './pyodide/pyodide.mjs';

let pyodide = null;
let ready = false;
const training = { active: false, paused: false, loop: null };

function post(message, transfer = []) {
  self.postMessage(message, transfer);
}

function progress(stage, message) {
  post({ kind: 'progress', stage, message, time: performance.now() });
}

function sendEvent(event) {
  post({ kind: 'event', event });
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

// A failure that is not a GlassnetError (those come back as values from call(), below) is a bug
// or a broken Python: keep its type and last line so people can report it.
function describeError(err) {
  const text = err && err.message ? err.message : String(err);
  if (/fatally failed|memory access out of bounds|Out of memory/i.test(text)) {
    return { message: `Python stopped: ${text}`, hint: 'Click "Reload worker" to start Python again.', fatal: true };
  }
  if (err && err.type) {
    const lines = text.trim().split('\n');
    return {
      message: lines[lines.length - 1],
      hint: 'This looks like a bug in glassnet. Reload the page; if it happens again, report this message.',
    };
  }
  return { message: text, hint: '' };
}

// Calls webapi.<name>(...args) through a tiny Python wrapper that turns GlassnetError into a
// value: its str() is the message for people and .hint says what to do.
const CALL_PY = `
from glassnet import webapi as _webapi
from glassnet.errors import GlassnetError as _GlassnetError

def _glassnet_call(name, *args):
    try:
        return {"ok": True, "result": getattr(_webapi, name)(*args)}
    except _GlassnetError as exc:
        return {"ok": False, "message": str(exc), "hint": getattr(exc, "hint", "") or ""}

_glassnet_call
`;
let callPy = null;

class GlassnetError extends Error {
  constructor({ message, hint }) {
    super(message);
    this.hint = hint;
  }
}

function call(name, ...args) {
  const reply = toJs(callPy(name, ...args));
  if (!reply.ok) throw new GlassnetError(reply);
  return reply.result;
}

function requireReady() {
  if (!ready) throw new Error('Python is still loading. Wait for the page to say it is ready.');
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
    throw new Error('NumPy could not be loaded from pyodide/. Rebuild the site with `python build.py`.');
  }
  py.runPython('import numpy'); // done here, it overlaps the wheel download
  loadTimes.numpyImport = performance.now();
  return py;
}
const booting = bootPython();
booting.catch(() => {}); // reported by init(), which awaits it

async function init({ wheelUrl }) {
  const t0 = performance.now();
  pyodide = await booting;
  progress('glassnet', 'Loading glassnet…');
  const wheelErrors = [];
  await pyodide.loadPackage(wheelUrl, {
    messageCallback: () => {},
    errorCallback: (msg) => wheelErrors.push(msg),
  });
  // A broken wheel does not make loadPackage throw: check that it is really installed.
  if (!pyodide.loadedPackages.glassnet) {
    const detail = wheelErrors.length ? ` (${wheelErrors.join(' ')})` : '';
    throw new Error(`The glassnet wheel could not be installed from ${wheelUrl}${detail}. Rebuild the site with \`python build.py\`.`);
  }
  loadTimes.wheel = performance.now();
  callPy = pyodide.runPython(CALL_PY);
  loadTimes.glassnetImport = performance.now();
  ready = true;
  const info = call('info');
  const presets = call('presets');
  progress('ready', 'Python is ready.');
  return { info, presets, seconds: (performance.now() - t0) / 1000, loadTimes };
}

// ---------------------------------------------------------------- training loop

const nextTick = () => new Promise((resolve) => setTimeout(resolve, 0));

async function trainLoop() {
  await nextTick(); // let the reply to "start" go out before the first events
  while (training.active && !training.paused) {
    let chunk;
    try {
      chunk = call('run', 0.2);
    } catch (err) {
      training.active = false;
      const e = err instanceof GlassnetError ? { message: err.message, hint: err.hint } : describeError(err);
      sendEvent({ event: 'error', message: e.message, hint: e.hint });
      if (e.fatal) post({ kind: 'fatal', error: e });
      return;
    }
    if (chunk.events.length) post({ kind: 'events', events: chunk.events }); // one message a chunk
    if (chunk.finished) {
      training.active = false;
      return;
    }
    await nextTick(); // read pause / stop / predict / set-lr messages here
  }
}

function startLoop() {
  training.loop = trainLoop().finally(() => {
    training.loop = null;
  });
}

async function startTraining({ config }) {
  requireReady();
  if (training.loop) {
    training.active = false;
    await training.loop;
  }
  const pyConfig = pyodide.toPy(config);
  let result;
  try {
    result = call('start', pyConfig);
  } finally {
    pyConfig.destroy();
  }
  training.active = true;
  training.paused = false;
  startLoop();
  return result;
}

async function pauseTraining() {
  if (!training.active) return { paused: false };
  training.paused = true;
  if (training.loop) await training.loop;
  return { paused: true };
}

function resumeTraining() {
  if (!training.active) return { resumed: false };
  training.paused = false;
  if (!training.loop) startLoop();
  return { resumed: true };
}

async function stopTraining() {
  requireReady();
  const wasActive = training.active;
  training.active = false;
  if (training.loop) await training.loop;
  if (!wasActive) return { stopped: false };
  const result = call('stop');
  for (const event of result.events || []) sendEvent(event);
  return { stopped: true };
}

// ---------------------------------------------------------------- requests

const handlers = {
  init,
  start: startTraining,
  pause: pauseTraining,
  resume: resumeTraining,
  stop: stopTraining,
  loadData({ trainImages, trainLabels, testImages, testLabels }) {
    requireReady();
    const bytes = [trainImages, trainLabels, testImages, testLabels].map((b) => new Uint8Array(b));
    return call('load_data', ...bytes);
  },
  setLearningRate({ lr }) {
    requireReady();
    return call('set_learning_rate', lr);
  },
  predict({ pixels, width, height }) {
    requireReady();
    return call('predict_drawing', new Uint8Array(pixels), width, height, 4);
  },
  gallery({ count, seed }) {
    requireReady();
    return call('gallery', count, seed);
  },
  evaluate() {
    requireReady();
    return call('evaluate');
  },
  info() {
    requireReady();
    return call('info');
  },
  saveModel() {
    requireReady();
    const bytes = call('save_model'); // Python bytes -> Uint8Array (a copy)
    return { bytes: bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes) };
  },
  loadModel({ bytes }) {
    requireReady();
    return call('load_model', new Uint8Array(bytes));
  },
  ...glassBoxHandlers(),
};

// Glass-box views (webapi's "Glass-box views"): Python computes, the page only draws. Stepping
// and fine-tuning change the network, so they wait until the training loop is not running.
function requireNotTraining(what) {
  if (training.active && !training.paused) {
    throw new GlassnetError({ message: `${what} cannot run while training runs.`, hint: 'Pause or stop training first.' });
  }
}

function withPy(value, fn) {
  const py = pyodide.toPy(value);
  try {
    return fn(py);
  } finally {
    py.destroy();
  }
}

function glassBoxHandlers() {
  return {
    weights({ limit }) {
      requireReady();
      return call('weights', limit ?? 64);
    },
    inspect({ pixels, width, height, testIndex, target }) {
      requireReady();
      if (testIndex !== undefined && testIndex !== null) {
        return call('inspect_input', undefined, 0, 0, 4, testIndex, target ?? undefined);
      }
      return call('inspect_input', new Uint8Array(pixels), width, height, 4, undefined, target ?? undefined);
    },
    confusionCell({ trueClass, predicted, limit }) {
      requireReady();
      return call('confusion_cell', trueClass, predicted, limit ?? 24);
    },
    mistakes({ limit }) {
      requireReady();
      return call('mistakes', limit ?? 12);
    },
    startStepping({ config }) {
      requireReady();
      if (training.active) {
        throw new GlassnetError({ message: 'A training run is in progress.', hint: 'Stop it first, then start a new run for stepping.' });
      }
      return withPy(config, (py) => call('start', py));
    },
    step({ config }) {
      requireReady();
      requireNotTraining('Step');
      return withPy(config ?? {}, (py) => call('step', py));
    },
    addExample({ pixels, width, height, label }) {
      requireReady();
      return call('add_example', new Uint8Array(pixels), width, height, 4, label);
    },
    fineTune({ steps, lr }) {
      requireReady();
      requireNotTraining('Fine-tuning');
      return call('fine_tune', steps ?? 10, lr ?? 0.001);
    },
    clearExamples() {
      requireReady();
      return call('clear_examples');
    },
  };
}

self.onmessage = async ({ data }) => {
  const { id, type } = data;
  const handler = handlers[type];
  if (!handler) {
    post({ id, ok: false, error: { message: `Unknown request "${type}".`, hint: '' } });
    return;
  }
  try {
    const result = await handler(data);
    const transfer = result && result.bytes instanceof Uint8Array ? [result.bytes.buffer] : [];
    post({ id, ok: true, result }, transfer);
  } catch (err) {
    const error = err instanceof GlassnetError ? { message: err.message, hint: err.hint } : describeError(err);
    post({ id, ok: false, error });
    if (error.fatal) post({ kind: 'fatal', error });
  }
};
