// The epoch table (one row per finished epoch) and the run's progress figures: epoch, examples
// per second and time left. Why separate from the charts: these are exact numbers people read
// and compare, the charts are shapes.

const pct = (v) => `${(v * 100).toFixed(1)}%`;

/** A duration for people: "under a second", "42 s", "3 min 05 s"; "–" when unknown. */
export function formatSeconds(s) {
  if (!Number.isFinite(s) || s < 0) return '–';
  if (s < 1) return 'under a second';
  if (s < 90) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return `${m} min ${String(rest).padStart(2, '0')} s`;
}

/**
 * Seconds a run has left after `step` of `totalSteps`: from the examples per second until an
 * epoch has finished, then from the mean epoch time (which includes the test-set evaluation at
 * each epoch end, so it is the better figure).
 */
export function timeLeft({ totalSteps, step, stepsPerEpoch, batchSize, epochSeconds }, examplesPerS) {
  if (epochSeconds.length) {
    const mean = epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length;
    return ((totalSteps - step) / stepsPerEpoch) * mean;
  }
  return ((totalSteps - step) * batchSize) / examplesPerS;
}

export class RunProgress {
  constructor() {
    this.rows = document.getElementById('epoch-rows');
    this.noRows = document.getElementById('no-epochs');
    this.bar = document.getElementById('run-progress');
    this.epoch = document.getElementById('stat-epoch');
    this.speed = document.getElementById('stat-speed');
    this.left = document.getElementById('stat-left');
    this.reset({ epochs: 0, stepsPerEpoch: 1, batchSize: 1 });
  }

  reset({ epochs, stepsPerEpoch, batchSize }) {
    this.epochs = epochs;
    this.stepsPerEpoch = stepsPerEpoch;
    this.batchSize = batchSize;
    this.step = 0;
    this.epochSeconds = [];
    this.rows.replaceChildren();
    this.noRows.hidden = false;
    this.bar.value = 0;
    this.epoch.textContent = epochs ? `0 of ${epochs}` : '–';
    this.speed.textContent = '–';
    this.left.textContent = '–';
  }

  get totalSteps() {
    return this.epochs * this.stepsPerEpoch;
  }

  batch(event) {
    this.step = event.step;
    this.bar.value = this.totalSteps ? Math.min(1, this.step / this.totalSteps) : 0;
    this.epoch.textContent = `${event.epoch} of ${this.epochs}`;
    this.speed.textContent = Math.round(event.examples_per_s).toLocaleString('en');
    this.left.textContent = formatSeconds(timeLeft(this, event.examples_per_s));
  }

  addEpoch(event) {
    this.epochSeconds.push(event.seconds);
    const tr = document.createElement('tr');
    tr.setAttribute('data-testid', 'epoch-row');
    const cells = [
      String(event.epoch), event.train_loss.toFixed(4), pct(event.train_accuracy),
      event.test_loss.toFixed(4), pct(event.test_accuracy), event.seconds.toFixed(1),
    ];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    // Follow the newest row unless someone scrolled up to read an older one.
    const wrap = this.rows.closest('.table-wrap');
    const atBottom = wrap.scrollHeight - wrap.scrollTop - wrap.clientHeight < 40;
    this.rows.append(tr);
    if (atBottom) wrap.scrollTop = wrap.scrollHeight;
    this.noRows.hidden = true;
    this.epoch.textContent = `${event.epoch} of ${event.epochs}`;
    if (event.epoch === event.epochs) {
      this.bar.value = 1;
      this.finish();
    }
  }

  /** The run ended (done or stopped): no time left to show. */
  finish() {
    this.left.textContent = '–';
  }
}
