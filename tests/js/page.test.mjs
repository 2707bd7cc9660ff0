// Plain functions of the page: coalesced refreshes (web/page/coalesce.js), the run's time left
// (web/widgets/epochs.js), the code panel's links and figures (web/code/).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { exerciseFromHash } from '../../web/code/catalogue.js';
import { formatError } from '../../web/code/report.js';
import { coalesced } from '../../web/page/coalesce.js';
import { formatSeconds, timeLeft } from '../../web/widgets/epochs.js';

describe('coalesced', () => {
  it('runs once now and once more afterwards, however many calls came meanwhile', async () => {
    let runs = 0;
    let release;
    const refresh = coalesced(async () => {
      runs += 1;
      if (runs === 1) await new Promise((resolve) => { release = resolve; });
    });
    const first = refresh();
    refresh();
    refresh();
    refresh();
    assert.equal(runs, 1);
    release();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(runs, 2);
  });

  it('runs again after a refresh that failed', async () => {
    let runs = 0;
    const refresh = coalesced(async () => { runs += 1; throw new Error('worker busy'); });
    await assert.rejects(refresh(), /worker busy/);
    await assert.rejects(refresh(), /worker busy/);
    assert.equal(runs, 2);
  });
});

describe('time left', () => {
  it('is said in seconds, minutes, or "under a second"', () => {
    assert.deepEqual([0.2, 1, 42.4, 89, 90, 185, 3600].map(formatSeconds),
      ['under a second', '1 s', '42 s', '89 s', '1 min 30 s', '3 min 05 s', '60 min 00 s']);
    assert.deepEqual([NaN, -1, Infinity].map(formatSeconds), ['–', '–', '–']);
  });

  it('comes from the examples per second until an epoch has finished', () => {
    const run = { totalSteps: 100, step: 40, stepsPerEpoch: 50, batchSize: 64, epochSeconds: [] };
    assert.equal(timeLeft(run, 6400), 0.6); // 60 steps of 64 examples at 6400 a second
  });

  it('then from the mean epoch time, evaluation included', () => {
    const run = { totalSteps: 100, step: 50, stepsPerEpoch: 50, batchSize: 64, epochSeconds: [4, 6] };
    assert.equal(timeLeft(run, 1e9), 5);
  });
});

describe('code panel', () => {
  it('opens the exercise a link names', () => {
    assert.equal(exerciseFromHash('#exercise=relu_forward'), 'relu_forward');
    assert.equal(exerciseFromHash('#preset=lesson&exercise=dense%20back'), 'dense back');
    assert.equal(exerciseFromHash('#preset=lesson'), null);
    assert.equal(exerciseFromHash(''), null);
  });

  it('writes relative errors in a few characters', () => {
    assert.deepEqual([0, 3.2e-7, 0.5, null, undefined].map(formatError), ['0', '3.2e-7', '5.0e-1', 'not a number', 'not a number']);
  });
});
