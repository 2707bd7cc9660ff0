// The benchmark's Pyodide worker: the same Pyodide, NumPy and glassnet wheel as the page's worker,
// running bench/epoch.py. Requests are {id, cmd, args}; replies {id, ok, result | error}.
import {installGlassnet, startPython} from '../python/pyodide-loader.js';

let pyodide = null;

function wasmMemoryBytes() {
  const module = pyodide && pyodide._module;
  const heap = module && (module.HEAPU8 || module.HEAP8);
  return heap ? heap.buffer.byteLength : null;
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

// Python helpers answer with a JSON string: no proxies to convert or leak.
function callJson(code) {
  return JSON.parse(pyodide.runPython(code));
}

const handlers = {
  async init({indexURL, wheel, wheelSha256, epochUrl}) {
    // Loaded exactly as the page's worker loads it (web/python/pyodide-loader.js).
    const t0 = performance.now();
    ({pyodide} = await startPython({indexURL}));
    const t1 = performance.now();
    await installGlassnet(pyodide, {wheelUrl: wheel, wheelSha256});
    const t2 = performance.now();
    const source = new TextDecoder().decode(await fetchBytes(epochUrl));
    pyodide.FS.mkdirTree('/home/pyodide/bench');
    pyodide.FS.writeFile('/home/pyodide/bench/glassnet_bench_epoch.py', source);
    pyodide.runPython(`
import sys, json
sys.path.insert(0, '/home/pyodide/bench')
import glassnet_bench_epoch as bench
import glassnet, numpy
`);
    return {
      load_pyodide_s: (t1 - t0) / 1000,
      load_packages_s: (t2 - t1) / 1000,
      versions: callJson('json.dumps({"glassnet": glassnet.__version__, "numpy": numpy.__version__, "python": sys.version.split()[0]})'),
      wasm_memory_bytes: wasmMemoryBytes(),
    };
  },
  async load({urls}) {
    const blobs = await Promise.all(urls.map(fetchBytes));
    blobs.forEach((blob, i) => pyodide.globals.set(`_blob${i}`, blob));
    const shape = callJson(`
DATA = bench.load(_blob0, _blob1, _blob2, _blob3)
del _blob0, _blob1, _blob2, _blob3
json.dumps({"train": len(DATA.train_y), "test": len(DATA.test_y)})`);
    return {...shape, wasm_memory_bytes: wasmMemoryBytes()};
  },
  epoch({seed = 0, trainer = true, backend = null}) {
    // trainer: through glassnet.train.Trainer (what the page runs); else the bare loop.
    // backend: glassnet's matrix backend by name (null: the one it picks by itself).
    // Training only: the host measures this thread's CPU time around the call.
    const fn = trainer ? 'trainer_epoch' : 'epoch';
    const name = backend ? JSON.stringify(String(backend)) : 'None';
    const result = callJson(`json.dumps(bench.${fn}(DATA, seed=${Number(seed)}, evaluate=False, backend_name=${name}))`);
    return {...result, wasm_memory_bytes: wasmMemoryBytes()};
  },
  lastAccuracy() {
    return {test_accuracy: callJson('json.dumps(bench.last_accuracy(DATA))')};
  },
  toAccuracy({target = 0.85, every = 50, maxEpochs = 3}) {
    const result = callJson(
      `json.dumps(bench.time_to_accuracy(DATA, target=${Number(target)}, every=${Number(every)}, max_epochs=${Number(maxEpochs)}))`);
    return {...result, wasm_memory_bytes: wasmMemoryBytes()};
  },
  async packages({names}) {
    // Extra Pyodide packages for experiments (e.g. scipy's BLAS), from the same indexURL.
    const errors = [];
    await pyodide.loadPackage(names, {messageCallback: () => {}, errorCallback: (m) => errors.push(String(m))});
    if (errors.length) throw new Error(errors.join('; '));
    return {loaded: Object.keys(pyodide.loadedPackages)};
  },
  async source({url, name}) {
    // Another bench module (e.g. profile_ops.py) next to epoch.py, importable by `name`.
    const text = new TextDecoder().decode(await fetchBytes(url));
    pyodide.FS.writeFile(`/home/pyodide/bench/${name}.py`, text);
    return {bytes: text.length};
  },
  python({code}) {
    // Profiling hook: run code whose last expression is a JSON string.
    return {value: JSON.parse(pyodide.runPython(code)), wasm_memory_bytes: wasmMemoryBytes()};
  },
  memory() {
    return {wasm_memory_bytes: wasmMemoryBytes()};
  },
};

self.onmessage = async (event) => {
  const {id, cmd, args} = event.data;
  try {
    if (!handlers[cmd]) throw new Error(`unknown command ${cmd}`);
    const result = await handlers[cmd](args || {});
    self.postMessage({id, ok: true, result});
  } catch (err) {
    self.postMessage({id, ok: false, error: String(err && err.stack ? err.stack : err)});
  }
};
