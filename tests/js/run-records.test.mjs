// Run records (web/page/run-records.js): what the page stores and imports is checked field by
// field, damaged entries are set aside, new runs are numbered.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { epochRecord, newRun, RUN_LIMITS, RunStore, validateRun } from '../../web/page/run-records.js';
import { goodRun, MemoryStorage, OPTIONS } from './fixtures.mjs';

describe('validateRun', () => {
  it('keeps a good run as it is, in its own key order (an export imports back byte for byte)', () => {
    const run = goodRun();
    const clean = validateRun(run, OPTIONS);
    assert.deepEqual(clean, run);
    assert.equal(JSON.stringify(clean), JSON.stringify(run));
  });

  it('drops keys it does not know', () => {
    const clean = validateRun(goodRun({ script: '<img onerror=alert(1)>' }), OPTIONS);
    assert.equal('script' in clean, false);
  });

  for (const [what, run, words] of [
    ['not an object', [], /not a Glassnet run/],
    ['no id', goodRun({ id: '' }), /no "id"/],
    ['no config', goodRun({ config: undefined }), /no "config"/],
    ['epochs not a list', goodRun({ epochs: {} }), /"epochs" must be a list/],
    ['an epoch twice', goodRun({ epochs: [{ epoch: 1 }, { epoch: 1 }] }), /an epoch appears twice/],
    ['accuracy above 1', goodRun({ epochs: [{ epoch: 1, test_accuracy: 1.5 }] }), /"test_accuracy" must be a number between 0 and 1/],
    ['a negative loss', goodRun({ epochs: [{ epoch: 1, train_loss: -1 }] }), /"train_loss"/],
    ['epoch 0', goodRun({ epochs: [{ epoch: 0 }] }), /"epoch" must be a whole number/],
    ['too many epochs', goodRun({ epochs: Array.from({ length: 1001 }, (_, i) => ({ epoch: i + 1 })) }), /more than 1000 epochs/],
    ['layers not a list', goodRun({ config: { layers: '128' } }), /"config.layers" must be a list of sizes/],
    ['a layer of 0 units', goodRun({ config: { layers: [0] } }), /"config.layers" must be a whole number/],
    ['a text for a number', goodRun({ config: { lr: 'fast' } }), /"config.lr" must be a number/],
    ['a number for a switch', goodRun({ config: { batchnorm: 1 } }), /"config.batchnorm" must be true or false/],
    ['an object as an unknown setting', goodRun({ config: { extra: {} } }), /"config.extra" must be a number, text or true\/false/],
    ['an unknown status', goodRun({ status: 'hacked' }), /"status" must be one of/],
    ['a long name', goodRun({ name: 'x'.repeat(RUN_LIMITS.text + 1) }), /"name" must be a text of 1 to 200 characters/],
    ['custom code not texts', goodRun({ custom_code: [1] }), /"custom_code"/],
    ['a negative learning rate change', goodRun({ lr_changes: [{ after_epoch: 1, lr: -1 }] }), /"lr" must be a number/],
  ]) {
    it(`refuses a run with ${what}, in words`, () => {
      assert.throws(() => validateRun(run, OPTIONS), words);
    });
  }

  it('keeps settings that are no longer options when they are plain data', () => {
    const clean = validateRun(goodRun({ config: { old_option: 3, note: 'x', flag: true, gone: null } }), OPTIONS);
    assert.deepEqual(clean.config, { old_option: 3, note: 'x', flag: true, gone: null });
  });
});

describe('RunStore', () => {
  const KEY = 'glassnet.runs.v1';
  const DAMAGED = 'glassnet.runs.damaged.v1';

  it('stores, finds, replaces and removes runs', () => {
    const store = new RunStore(new MemoryStorage(), OPTIONS);
    assert.deepEqual(store.all(), []);
    assert.equal(store.put(goodRun()), true);
    assert.equal(store.get('run-abc').name, 'Run 1');
    store.put(goodRun({ name: 'Renamed' }));
    assert.equal(store.all().length, 1);
    assert.equal(store.get('run-abc').name, 'Renamed');
    store.remove('run-abc');
    assert.equal(store.get('run-abc'), null);
  });

  it('sets damaged entries aside instead of failing or deleting them', () => {
    const bad = { id: 'bad', config: {}, epochs: 'no' };
    const storage = new MemoryStorage({ [KEY]: JSON.stringify([goodRun(), bad]) });
    const store = new RunStore(storage, OPTIONS);
    assert.deepEqual(store.all().map((r) => r.id), ['run-abc']);
    assert.equal(store.damaged, 1);
    assert.deepEqual(JSON.parse(storage.getItem(DAMAGED)), [bad]);
    assert.deepEqual(JSON.parse(storage.getItem(KEY)).map((r) => r.id), ['run-abc']);
  });

  it('survives storage that is not JSON or not a list', () => {
    for (const raw of ['{not json', '{"a": 1}']) {
      const storage = new MemoryStorage({ [KEY]: raw });
      const store = new RunStore(storage, OPTIONS);
      assert.deepEqual(store.all(), []);
      assert.equal(store.damaged, 1);
      assert.equal(storage.getItem(KEY), '[]');
    }
  });

  it('says so when the browser will not store a run', () => {
    const store = new RunStore(new MemoryStorage({}, { full: true }), OPTIONS);
    assert.equal(store.put(goodRun()), false);
  });
});

describe('new runs', () => {
  it('are numbered after the highest number so far, and named after students\' code', () => {
    const run = newRun([goodRun({ number: 4 }), goodRun({ number: 2 })], { lr: 0.1 });
    assert.equal(run.number, 5);
    assert.equal(run.name, 'Run 5');
    assert.equal(run.status, 'training');
    assert.equal(newRun([], {}, ['your ReLU']).name, 'Run 1 (your code)');
    assert.deepEqual(validateRun(run, OPTIONS), run); // a new record passes its own checks
  });

  it('keep the CSV columns of an epoch event and nothing else', () => {
    assert.deepEqual(epochRecord({ event: 'epoch', epoch: 3, epochs: 5, test_accuracy: 0.8, extra: 1 }),
      { epoch: 3, test_accuracy: 0.8 });
  });
});

describe('the data set of a run', () => {
  it('is recorded when the run starts and kept when the record is read back', () => {
    const run = newRun([], { lr: 0.001 }, [], 'fashion-mnist');
    assert.equal(run.dataset, 'fashion-mnist');
    assert.equal(newRun([], {}).dataset, undefined);
    const clean = validateRun({ ...run, epochs: [] }, OPTIONS);
    assert.equal(clean.dataset, 'fashion-mnist');
    assert.throws(() => validateRun({ ...run, epochs: [], dataset: 42 }, OPTIONS), /"dataset"/);
  });
});
