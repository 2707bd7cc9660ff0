// Where the four Fashion-MNIST files come from: the site itself (manifest.json "data"), or
// files people pick or drop (a classroom USB stick). Either way the page gets four
// ArrayBuffers to hand (transfer, not copy) to the worker.

import { datasetTitle, read } from '../page/store.js';

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

// The idx format's facts are Python's (py/glassnet/idxformat.py: each type's item size, the
// largest file glassnet reads). manifest.json carries them for the downloads that run while
// Python starts, the option schema once Python is in. A file (or what it inflates to) beyond the
// largest is refused before it fills the tab's memory; without the facts, files go to Python
// unchecked here (it checks them anyway).
let manifestIdx = null;
const idxFormat = () => read().schema?.idx ?? manifestIdx;
const maxIdxBytes = () => idxFormat()?.max_bytes ?? Infinity;

/** Bytes of data an idx header declares (header included), or null when it is not idx. */
function declaredIdxBytes(head) {
  const format = idxFormat();
  if (!format || head.length < 4 || head[0] !== 0 || head[1] !== 0) return null;
  const itemBytes = format.item_bytes[String(head[2])];
  const ndim = head[3];
  if (!itemBytes || ndim < 1 || ndim > format.max_dimensions || head.length < 4 + 4 * ndim) return null;
  let size = itemBytes;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  for (let i = 0; i < ndim; i += 1) size *= view.getUint32(4 + 4 * i); // a float: no overflow
  return 4 + 4 * ndim + size;
}

/**
 * Gunzips in the browser's native code, in parallel with Python starting up: inside Pyodide the
 * same work took 0.27 s of the wait for "ready" (raw idx bytes then parse in 3 ms). Streamed,
 * with a cap from the idx header, so a small file that inflates to gigabytes is refused after a
 * few kilobytes. A file the browser cannot inflate goes to Python as it is, which names the file
 * and what is wrong with it.
 */
export async function inflate(buffer, name = 'a data file') {
  const most = maxIdxBytes();
  if (buffer.byteLength > most) {
    throw new DataProblem(`${name} is ${(buffer.byteLength / 2 ** 20).toFixed(0)} MB, more than any file of ${datasetTitle()} can be.`, `Pick the four original .gz files of ${datasetTitle()}.`);
  }
  const head = new Uint8Array(buffer, 0, Math.min(2, buffer.byteLength));
  if (head.length < 2 || head[0] !== 0x1f || head[1] !== 0x8b || typeof DecompressionStream === 'undefined') {
    return buffer;
  }
  const tooBig = () => new DataProblem(`${name} inflates to more data than its idx header declares (or more than ${most / 2 ** 20} MB).`, `This is not one of the files of ${datasetTitle()}: pick the four original .gz files.`);
  const chunks = [];
  let total = 0;
  let limit = most;
  let reader;
  try {
    reader = new Blob([buffer]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
      const headerBytes = 4 + 4 * (idxFormat()?.max_dimensions ?? 0); // magic, then the sizes
      if (limit === most && total >= headerBytes) {
        const declared = declaredIdxBytes(concat(chunks, Math.min(total, headerBytes)));
        if (declared !== null) limit = Math.min(declared, most);
      }
      if (total > limit) {
        reader.cancel().catch(() => {});
        throw tooBig();
      }
    }
  } catch (err) {
    if (err instanceof DataProblem) throw err;
    return buffer; // not inflatable here: Python says exactly what is wrong
  }
  return concat(chunks, total).buffer;
}

function concat(chunks, length) {
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    if (at >= length) break;
    const part = chunk.subarray(0, length - at);
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
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
  manifestIdx = manifest.idx ?? manifestIdx;
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
    if (!url) throw new DataProblem(`manifest.json names no file for the ${LABELS[key]}.`, 'This site is incomplete: pick the four files from your computer, or ask whoever hosts it to rebuild it.');
    let response;
    try {
      response = await fetch(url);
    } catch (err) {
      throw new DataProblem(`Could not download ${url}: ${err.message}.`, 'Check the connection, or pick the four files from your computer.');
    }
    if (!response.ok) {
      throw new DataProblem(`Could not download ${url} (HTTP ${response.status}).`, 'Pick the four files from your computer, or ask whoever hosts the site to rebuild it.');
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
    buffers[key] = await inflate(bytes, url);
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
      `Pick all four .gz files of ${datasetTitle()} at once (hold Ctrl or Shift to select several).`,
    );
  }
  const buffers = {};
  for (const key of DATA_KEYS) {
    if (files[key].size > maxIdxBytes()) { // before reading it into memory
      throw new DataProblem(`${files[key].name} is ${(files[key].size / 2 ** 20).toFixed(0)} MB, more than any file of ${datasetTitle()} can be.`, `Pick the four original .gz files of ${datasetTitle()}.`);
    }
  }
  await Promise.all(DATA_KEYS.map(async (key) => { buffers[key] = await inflate(await files[key].arrayBuffer(), files[key].name); }));
  return buffers;
}
