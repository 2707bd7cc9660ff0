// Share links (web/glassbox/share.js): the form as a hash and back, and the keys a link names
// that the page cannot use, in words.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';

import { applyHash, formToHash } from '../../web/glassbox/share.js';
import { OPTIONS } from './fixtures.mjs';

// Just enough of a <select> and an <input> for applyHash (Node has no DOM).
class FakeSelect {
  constructor(values) {
    this.options = values.map((value) => ({ value }));
    this.value = values[0];
  }
}

before(() => {
  globalThis.HTMLSelectElement = FakeSelect;
});

/** The settings form's interface that share.js uses (widgets/controls.js), over plain values. */
function fakeControls() {
  const presets = { default: { values: { layers: [128], activation: 'relu', lr: 0.001, epochs: 5, dropout: 0, batchnorm: false, seed: 0 } },
    lesson: { values: { layers: [64], activation: 'relu', lr: 0.01, epochs: 3, dropout: 0, batchnorm: false, seed: 0 } } };
  const options = OPTIONS.filter((o) => o.name !== 'preset');
  const inputs = {};
  for (const o of options) inputs[o.name] = o.kind === 'choice' ? new FakeSelect(o.choices.map((c) => c.value)) : { value: '' };
  const controls = {
    schema: { presets },
    options,
    preset: { value: 'default' },
    base: undefined,
    matched: 0,
    option: (name) => options.find((o) => o.name === name) ?? null,
    input: (name) => inputs[name],
    texts: () => Object.fromEntries(options.map((o) => [o.name, String(inputs[o.name].value)])),
    fillFromPreset(name) {
      controls.preset.value = name;
      for (const [k, v] of Object.entries(presets[name].values)) inputs[k].value = Array.isArray(v) ? v.join(',') : String(v);
    },
    matchPreset() { controls.matched += 1; },
  };
  controls.fillFromPreset('default');
  return controls;
}

describe('applyHash', () => {
  it('puts a link\'s preset and settings into the form', () => {
    const controls = fakeControls();
    assert.deepEqual(applyHash('#preset=lesson&layers=256,128&lr=0.05&activation=tanh', controls), []);
    const texts = controls.texts();
    assert.equal(controls.preset.value, 'lesson');
    assert.equal(texts.layers, '256,128');
    assert.equal(texts.lr, '0.05');
    assert.equal(texts.activation, 'tanh');
    assert.equal(texts.epochs, '3'); // from the preset
    assert.equal(controls.matched, 1);
  });

  it('names what it cannot use: an unknown preset, key or menu value', () => {
    const controls = fakeControls();
    assert.deepEqual(applyHash('#preset=nope&colour=red&activation=swish&lr=0.1', controls),
      ['preset=nope', 'colour=red', 'activation=swish']);
    assert.equal(controls.texts().activation, 'relu');
    assert.equal(controls.texts().lr, '0.1');
  });

  it('leaves the form alone for an empty hash', () => {
    const controls = fakeControls();
    assert.deepEqual(applyHash('', controls), []);
    assert.equal(controls.matched, 0);
  });

  it('puts values in as they are: Python checks them', () => {
    const controls = fakeControls();
    assert.deepEqual(applyHash('#lr=-5&layers=a,b', controls), []);
    assert.equal(controls.texts().lr, '-5');
  });
});

describe('formToHash', () => {
  it('writes the preset and the basic settings, and others only where they differ', () => {
    const controls = fakeControls();
    assert.equal(formToHash(controls), '#preset=default&layers=128&activation=relu&lr=0.001&epochs=5&dropout=0');
    controls.input('seed').value = '7';
    controls.input('layers').value = '256, 64';
    assert.equal(formToHash(controls), '#preset=default&layers=256,64&activation=relu&lr=0.001&epochs=5&dropout=0&seed=7');
  });

  it('round-trips through applyHash', () => {
    const from = fakeControls();
    from.fillFromPreset('lesson');
    from.input('batchnorm').value = 'true';
    const to = fakeControls();
    assert.deepEqual(applyHash(formToHash(from), to), []);
    assert.deepEqual(to.texts(), from.texts());
  });
});

describe('the data set in a link', () => {
  it('names the data set the settings were made for, and refuses a link made on another', () => {
    const from = fakeControls();
    from.schema.dataset = { name: 'fashion-mnist' };
    const hash = formToHash(from);
    assert.match(hash, /&dataset=fashion-mnist$/);
    const same = fakeControls();
    same.schema.dataset = { name: 'fashion-mnist' };
    assert.deepEqual(applyHash(hash, same), []);
    const other = fakeControls();
    other.schema.dataset = { name: 'mnist' };
    assert.deepEqual(applyHash(hash, other), ['dataset=fashion-mnist']);
  });
});
