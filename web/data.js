// Where the four Fashion-MNIST files come from: the site itself (manifest.json "data"), or
// files people pick or drop (a classroom USB stick). Either way the page gets four
// ArrayBuffers to hand (transfer, not copy) to the worker.

export const DATA_KEYS = ['train_images', 'train_labels', 'test_images', 'test_labels'];

const LABELS = {
  train_images: 'training images (train-images-idx3-ubyte.gz)',
  train_labels: 'training labels (train-labels-idx1-ubyte.gz)',
  test_images: 'test images (t10k-images-idx3-ubyte.gz)',
  test_labels: 'test labels (t10k-labels-idx1-ubyte.gz)',
};

export class DataProblem extends Error {
  constructor(message, hint) {
    super(message);
    this.hint = hint;
  }
}

/**
 * Gunzips in the browser's native code, in parallel with Python starting up: inside Pyodide the
 * same work took 0.27 s of the wait for "ready" (raw idx bytes then parse in 3 ms). A file the
 * browser cannot inflate goes to Python as it is, which names the file and what is wrong with it.
 */
export async function inflate(buffer) {
  const head = new Uint8Array(buffer, 0, Math.min(2, buffer.byteLength));
  if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b || typeof DecompressionStream === 'undefined') {
    return buffer;
  }
  try {
    const stream = new Blob([buffer]).stream().pipeThrough(new DecompressionStream('gzip'));
    return await new Response(stream).arrayBuffer();
  } catch {
    return buffer;
  }
}

export const TEST_KEYS = ['test_images', 'test_labels'];
export const TRAINING_KEYS = ['train_images', 'train_labels'];

/** Fetches the four files the manifest names; null when the site was built without data. */
export async function fetchSiteData(manifest, onProgress = () => {}) {
  if (!manifest.data) return null;
  let done = 0;
  const buffers = await fetchSiteFiles(manifest, DATA_KEYS, () => {}, () => {
    done += 1;
    onProgress(done, DATA_KEYS.length);
  });
  return buffers;
}

/**
 * Fetches some of the files the manifest names (DATA_KEYS entries), inflated, as {key: buffer};
 * null when the site was built without data. onBytes(received, total) follows the download
 * (total is 0 while a size is unknown), onFile() fires as each file is in.
 */
export async function fetchSiteFiles(manifest, keys, onBytes = () => {}, onFile = () => {}) {
  if (!manifest.data) return null;
  const buffers = {};
  const received = {};
  const totals = {};
  const report = () => {
    const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);
    onBytes(sum(received), Object.keys(totals).length === keys.length ? sum(totals) : 0);
  };
  await Promise.all(keys.map(async (key) => {
    const url = manifest.data[key];
    if (!url) throw new DataProblem(`manifest.json names no file for the ${LABELS[key]}.`, 'Rebuild the site with `python build.py`.');
    let response;
    try {
      response = await fetch(url);
    } catch (err) {
      throw new DataProblem(`Could not download ${url}: ${err.message}.`, 'Check the connection, or pick the four files from your computer.');
    }
    if (!response.ok) {
      throw new DataProblem(`Could not download ${url} (HTTP ${response.status}).`, 'Rebuild the site with `python build.py`, or pick the four files from your computer.');
    }
    totals[key] = Number(response.headers.get('Content-Length')) || 0;
    received[key] = 0;
    let bytes;
    try {
      bytes = await readWithProgress(response, (n) => {
        received[key] = n;
        report();
      });
    } catch (err) {
      throw new DataProblem(`The download of ${url} broke off: ${err.message}.`, 'Check the connection and reload the page, or pick the four files from your computer.');
    }
    buffers[key] = await inflate(bytes);
    onFile(key);
  }));
  return buffers;
}

/** The body as an ArrayBuffer, calling onReceived(bytes so far) as chunks arrive. */
async function readWithProgress(response, onReceived) {
  if (!response.body || !response.body.getReader) return response.arrayBuffer();
  const reader = response.body.getReader();
  const chunks = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
    onReceived(length);
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out.buffer;
}

/** Which of the four files a file name is, from the usual idx names (any prefix, .gz or not). */
export function dataKeyFor(name) {
  const n = name.toLowerCase();
  const isLabels = n.includes('labels') || n.includes('idx1');
  const isImages = n.includes('images') || n.includes('idx3');
  const isTest = n.includes('t10k') || n.includes('test');
  const isTrain = n.includes('train') && !isTest;
  if (isImages === isLabels || isTest === isTrain) return null;
  return `${isTrain ? 'train' : 'test'}_${isImages ? 'images' : 'labels'}`;
}

/** Matches picked or dropped files to the four data sets; a clear message when one is missing. */
export async function readPickedFiles(fileList) {
  const files = {};
  const unknown = [];
  for (const file of fileList) {
    const key = dataKeyFor(file.name);
    if (key) files[key] = file;
    else unknown.push(file.name);
  }
  const missing = DATA_KEYS.filter((key) => !files[key]);
  if (missing.length) {
    const extra = unknown.length ? ` (not recognised: ${unknown.join(', ')})` : '';
    throw new DataProblem(
      `Missing the ${missing.map((k) => LABELS[k]).join(' and the ')}${extra}.`,
      'Pick all four Fashion-MNIST .gz files at once (hold Ctrl or Shift to select several).',
    );
  }
  const buffers = {};
  await Promise.all(DATA_KEYS.map(async (key) => { buffers[key] = await inflate(await files[key].arrayBuffer()); }));
  return buffers;
}
