// The bench page's entry: exposes window.glassnetBench for bench/runner.py (driven by Playwright).
import {fetchIdx, fetchBytes} from './idx.js';
import {tfjsFinish, tfjsPrepare, tfjsTrain} from './tfjs-mlp.js';

// The WebAssembly backend's .wasm files sit in tfjs/ next to this page.
// (`build.py bench --no-tfjs` leaves them out: the Pyodide side still works.)
if (globalThis.tf && globalThis.tf.wasm) globalThis.tf.wasm.setWasmPaths(new URL('./tfjs/', import.meta.url).href);

const status = document.getElementById('status');
let worker = null;
let nextId = 1;
const pending = new Map();

function startWorker() {
  worker = new Worker(new URL('./pyodide-worker.js', import.meta.url), {type: 'module'});
  worker.onmessage = ({data}) => {
    const entry = pending.get(data.id);
    if (!entry) return;
    pending.delete(data.id);
    if (data.ok) entry.resolve(data.result);
    else entry.reject(new Error(data.error));
  };
  worker.onerror = (event) => {
    for (const entry of pending.values()) entry.reject(new Error(`worker error: ${event.message}`));
    pending.clear();
  };
}

function call(cmd, args = {}) {
  if (!worker) startWorker();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, {resolve, reject});
    worker.postMessage({id, cmd, args});
  });
}

let cached = null;
async function loadData(urls) {
  const key = urls.join('|');
  if (!cached || cached.key !== key) {
    const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(urls.slice(0, 4).map(fetchIdx));
    const raw = await fetchBytes(urls[4]);
    const order = new Int32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    cached = {key, data: {trainImages: trainImages.data, trainLabels: trainLabels.data,
      testImages: testImages.data, testLabels: testLabels.data}, order};
  }
  return cached;
}

window.glassnetBench = {
  worker: call,
  async tfjsPrepare(backend, urls) {
    status.textContent = `TF.js ${backend}`;
    const {data, order} = await loadData(urls);
    return tfjsPrepare(backend, data, order);
  },
  async tfjsTrain() {
    const result = await tfjsTrain();
    status.textContent = `TF.js ${result.backend}: ${result.seconds.toFixed(2)} s`;
    return result;
  },
  tfjsFinish,
  tfjsVersion: () => (globalThis.tf ? globalThis.tf.version_core : null),
};
status.textContent = 'ready';
document.documentElement.dataset.state = 'ready';
