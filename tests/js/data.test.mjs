// Data files (web/python/data.js): gzip inflated in the page, refused when it inflates to more
// than its idx header declares (a zip bomb), names matched to the four files.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';

import { DataProblem, dataKeyFor, inflate, readPickedFiles } from '../../web/python/data.js';
import { change } from '../../web/page/store.js';

/** An idx file: magic (type 0x08, ndim), sizes, then `payload` bytes (or as many as declared). */
function idx(sizes, payload = null) {
  const head = new Uint8Array(4 + 4 * sizes.length);
  head[2] = 0x08;
  head[3] = sizes.length;
  const view = new DataView(head.buffer);
  sizes.forEach((n, i) => view.setUint32(4 + 4 * i, n));
  const body = payload ?? new Uint8Array(sizes.reduce((a, b) => a * b, 1)).map((_, i) => i % 251);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

const buffer = (bytes) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);

before(() => {
  // The idx format's facts as the page's state holds them once Python sent its schema
  // (data.js reads them there where it does; without them its own table applies).
  change({ schema: { idx: { item_bytes: { 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 }, max_dimensions: 4, max_bytes: 256 * 2 ** 20 } } });
});

describe('inflate', () => {
  it('inflates a .gz idx file to its bytes', async () => {
    const raw = idx([3, 28, 28]);
    const out = new Uint8Array(await inflate(buffer(gzipSync(raw)), 'images.gz'));
    assert.deepEqual(out, raw);
  });

  it('passes a file that is not gzip through untouched (Python checks it)', async () => {
    const raw = buffer(idx([2, 2]));
    assert.equal(await inflate(raw, 'labels'), raw);
  });

  it('refuses a file that inflates to more than its idx header declares', async () => {
    const bomb = idx([2, 2], new Uint8Array(100_000)); // declares 4 bytes of data, holds 100 000
    await assert.rejects(inflate(buffer(gzipSync(bomb)), 'bomb.gz'), (err) => {
      assert.ok(err instanceof DataProblem);
      assert.match(err.message, /^bomb\.gz inflates to more data than its idx header declares/);
      assert.match(err.hint, /not one of the files of the data set/);
      return true;
    });
  });

  it('accepts a file exactly as large as its header declares', async () => {
    const raw = idx([10, 4, 4]);
    assert.equal((await inflate(buffer(gzipSync(raw)), 'x.gz')).byteLength, raw.byteLength);
  });
});

describe('picked files', () => {
  it('are matched to the four data files by their usual names', () => {
    assert.equal(dataKeyFor('train-images-idx3-ubyte.gz'), 'train_images');
    assert.equal(dataKeyFor('FASHION-t10k-labels-idx1-ubyte'), 'test_labels');
    assert.equal(dataKeyFor('t10k-images-idx3-ubyte.gz'), 'test_images');
    assert.equal(dataKeyFor('train-labels.gz'), 'train_labels');
    assert.equal(dataKeyFor('holiday.jpg'), null);
    assert.equal(dataKeyFor('train-test-images.gz'), 'test_images');
  });

  it('say which file is missing and which names were not recognised', async () => {
    const files = [new File([idx([1])], 'train-images-idx3-ubyte'), new File(['x'], 'notes.txt')];
    await assert.rejects(readPickedFiles(files), (err) => {
      assert.ok(err instanceof DataProblem);
      assert.match(err.message, /^Missing the .* \(not recognised: notes\.txt\)\.$/);
      return true;
    });
  });

  it('are read and inflated when all four are there', async () => {
    const names = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
    const raw = idx([2, 3]);
    const buffers = await readPickedFiles(names.map((n) => new File([gzipSync(raw)], n)));
    assert.deepEqual(Object.keys(buffers).sort(), ['test_images', 'test_labels', 'train_images', 'train_labels']);
    assert.deepEqual(new Uint8Array(buffers.test_labels), raw);
  });
});
