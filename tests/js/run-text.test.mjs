// Run records as text (web/page/run-text.js): CSV that a spreadsheet cannot run, JSON that
// imports back, one-line descriptions, the overlay of two runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { validateRun } from '../../web/page/run-records.js';
import { best, csvCell, describeRun, overlaySeries, runToCsv, runToJson } from '../../web/page/run-text.js';
import { goodRun, OPTIONS } from './fixtures.mjs';

describe('CSV export', () => {
  it('neutralises formulas and quotes what could end a cell or a row', () => {
    assert.deepEqual(['=cmd', '+1', '-1', '@x', '\tx', 'a"b', 'plain', 'x,y', 'l1\nl2', ' pad'].map(csvCell),
      ['"\'=cmd"', '"\'+1"', '"\'-1"', '"\'@x"', '"\'\tx"', '"a""b"', 'plain', '"x,y"', '"l1\nl2"', '" pad"']);
  });

  it('writes numbers as they are and nothing for missing or non-finite ones', () => {
    assert.deepEqual([3.5, -2, 0, NaN, Infinity, null, undefined].map(csvCell), ['3.5', '-2', '0', '', '', '', '']);
  });

  it('has one header row and one row per epoch, numbers only, CRLF line ends', () => {
    const csv = runToCsv({ epochs: [{ epoch: 1, train_loss: '=1+1', test_accuracy: 0.5, lr: '@SUM(A1)' }, { epoch: 2, seconds: 1.5 }] });
    assert.equal(csv, 'epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds,lr\r\n1,,,,0.5,,\r\n2,,,,,1.5,\r\n');
  });
});

describe('JSON export', () => {
  it('imports back as the same run', () => {
    const run = goodRun();
    assert.deepEqual(validateRun(JSON.parse(runToJson(run)), OPTIONS), run);
    assert.ok(runToJson(run).endsWith('}\n'));
  });
});

describe('descriptions', () => {
  it('name the basic settings as the form does, and any other setting that changed', () => {
    assert.equal(describeRun(goodRun(), OPTIONS), 'Default · 128,64 · ReLU · lr 0.002 · epochs 2 · batchnorm');
  });

  it('say when a run trained with students\' code', () => {
    assert.match(describeRun(goodRun({ custom_code: ['your ReLU'] }), OPTIONS), / · with your ReLU$/);
  });

  it('give the best test accuracy, or null before the first epoch', () => {
    assert.equal(best(goodRun()), 0.84);
    assert.equal(best(goodRun({ epochs: [] })), null);
  });
});

describe('overlaySeries', () => {
  it('lines two runs up by epoch, with gaps where one has no value', () => {
    const a = { epochs: [{ epoch: 1, test_accuracy: 0.5 }, { epoch: 3, test_accuracy: 0.7 }] };
    const b = { epochs: [{ epoch: 1, test_accuracy: 0.6 }] };
    assert.deepEqual(overlaySeries([a, b], 'test_accuracy'), { maxEpoch: 3, data: [[1, 2, 3], [0.5, null, 0.7], [0.6, null, null]] });
    assert.deepEqual(overlaySeries([null, null], 'test_loss'), { maxEpoch: 1, data: [[1], [null], [null]] });
  });
});
