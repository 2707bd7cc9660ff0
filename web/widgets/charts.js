// Charts (uPlot): the one chart setup of the page (theme colours, large mode, epochs on the x
// axis, no zooming, following the width of its box), and the live charts built with it: loss per
// batch (smoothed) with train/test loss per epoch, and accuracy per epoch. The run comparison
// (glassbox/runs.js) uses the same setup.
//
// Why smoothed and thinned: a batch loss jumps around and there are ~900 batches an epoch;
// an exponential moving average shows the trend people should see, and keeping ~60 points an
// epoch keeps redrawing cheap while the worker streams events.

import uPlot from '../vendor/uplot/uPlot.esm.js';

export const COLORS = { batch: '#9fb3cf', train: '#2b6cb0', test: '#c05621', sample: '#dd6b20' };
const POINTS_PER_EPOCH = 60;
const SMOOTHING = 0.9;

const percent = (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);
const fixed = (digits) => (v) => (v === null || v === undefined ? '–' : v.toFixed(digits));

// Colours and line widths follow the page's theme (dark mode, the large projector mode).
const cssVar = (name, fallback) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
const large = () => document.documentElement.dataset.theme === 'large';
const lineWidth = () => (large() ? 3.5 : 2);
const axisStyle = () => ({ stroke: cssVar('--ink', '#1f2933'), grid: { stroke: cssVar('--line', '#d9e2ec'), width: 1 },
  font: `${large() ? 15 : 12}px system-ui, sans-serif` });
// A chart's height: as tall as fits next to the other live-view parts on a 768-pixel screen.
const chartHeight = () => Math.round(Math.min(220, Math.max(140, window.innerHeight * 0.25)));

function epochAxis() {
  return {
    ...axisStyle(),
    label: 'epoch',
    labelSize: 20,
    size: 36,
    values: (u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')),
  };
}

export function line(label, stroke, extra = {}) {
  return { label, stroke, width: lineWidth(), spanGaps: true, points: { show: false }, ...extra };
}

// The y axis: fractions as whole percents, or numbers with two decimals.
const yAxis = (percentAxis) => ({
  ...axisStyle(), size: 48,
  values: (u, s) => s.map((v) => (percentAxis ? `${Math.round(v * 100)}%` : v.toFixed(2))),
});

/** From a round tenth below the lowest accuracy up to 100%. */
export const accuracyRange = (u, min) => [min === null ? 0 : Math.max(0, Math.floor((min - 0.05) * 10) / 10), 1];
/** From 0 to a little above the highest loss. */
export const lossRange = (u, min, max) => [0, Math.max(max ?? 1, 0.1) * 1.05];

/**
 * The page's one uPlot setup: an epoch chart in `el`, styled by the current theme.
 * @param {HTMLElement} el  @param {object} spec  {series (after the x series), percent (y axis
 *   as percents), y (range function), x (range function), xSeries (the x series), plugins,
 *   height (a function: charts follow the window), minWidth}
 */
export function epochChart(el, spec, data) {
  return new uPlot({
    width: chartWidth(el, spec.minWidth), height: (spec.height ?? chartHeight)(),
    scales: { x: { time: false, range: spec.x ?? epochRange }, y: { range: spec.y ?? (spec.percent ? accuracyRange : lossRange) } },
    axes: [epochAxis(), yAxis(spec.percent)],
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
    plugins: spec.plugins ?? [],
    series: [spec.xSeries ?? { label: 'epoch' }, ...spec.series],
  }, data, el);
}

const chartWidth = (el, min = 200) => Math.max(min, el.clientWidth - 8);

/** Keeps a chart as wide as its box: `chart()` gives the chart to resize (it may be rebuilt). */
export function followWidth(el, chart, { height = chartHeight, minWidth = 200 } = {}) {
  let last = '';
  new ResizeObserver(() => {
    const size = { width: chartWidth(el, minWidth), height: height() };
    const key = `${size.width}x${size.height}`;
    if (key === last) return; // the chart's own resize changes the box too: no loop
    last = key;
    chart()?.setSize(size);
  }).observe(el);
}

function countValues(values) {
  let n = 0;
  for (const v of values) if (v !== null && v !== undefined) n += 1;
  return n;
}

// From 0 to just past the last epoch, so a dot at the end is not cut in half.
const epochRange = (u, min, max) => [0, Math.max(max ?? 1, 1) * 1.03 + 0.03];

function dots(label, stroke, value) {
  return {
    label, stroke, width: lineWidth(), spanGaps: true, value,
    // Dots while there are few epochs; a plain line once they would crowd.
    points: { show: (u, seriesIdx) => countValues(u.data[seriesIdx]) < 40, size: 7, fill: stroke, stroke },
  };
}

// Learning-rate changes made during a run: a dashed vertical line on the loss chart, labelled
// with the new rate, so the effect of the change can be read off the curve.
function learningRateMarks(charts) {
  return {
    hooks: {
      draw: [(u) => {
        const { ctx, bbox } = u;
        ctx.save();
        ctx.strokeStyle = '#805ad5';
        ctx.fillStyle = '#553c9a';
        ctx.lineWidth = Math.max(1, devicePixelRatio);
        ctx.setLineDash([5 * devicePixelRatio, 4 * devicePixelRatio]);
        ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
        for (const mark of charts.lrMarks) {
          const x = Math.round(u.valToPos(mark.x, 'x', true));
          if (x < bbox.left || x > bbox.left + bbox.width) continue;
          ctx.beginPath();
          ctx.moveTo(x, bbox.top);
          ctx.lineTo(x, bbox.top + bbox.height);
          ctx.stroke();
          const text = `lr ${mark.lr}`;
          const room = bbox.left + bbox.width - x;
          const width = ctx.measureText(text).width + 4 * devicePixelRatio;
          ctx.textAlign = room > width ? 'left' : 'right';
          ctx.fillText(text, x + (room > width ? 4 : -4) * devicePixelRatio, bbox.top + 12 * devicePixelRatio);
        }
        ctx.restore();
      }],
    },
  };
}

export class Charts {
  /**
   * @param {HTMLElement} lossEl  where the loss chart goes
   * @param {HTMLElement} accuracyEl  where the accuracy chart goes
   */
  constructor(lossEl, accuracyEl) {
    this.lossEl = lossEl;
    this.accuracyEl = accuracyEl;
    this.pending = false;
    this.reset(1);
    this.build();
    followWidth(lossEl, () => this.loss);
    followWidth(accuracyEl, () => this.accuracy);
  }

  /** (Re)creates both charts with the current theme, keeping their data. */
  build() {
    this.loss?.destroy();
    this.accuracy?.destroy();
    this.loss = epochChart(this.lossEl, {
      plugins: [learningRateMarks(this)],
      xSeries: { label: 'epoch', value: fixed(2) },
      series: [
        line('batch loss (smoothed)', COLORS.batch, { value: fixed(3) }),
        dots('train loss', COLORS.train, fixed(3)),
        dots('test loss', COLORS.test, fixed(3)),
      ],
    }, this.lossData);
    this.accuracy = epochChart(this.accuracyEl, {
      percent: true,
      xSeries: { label: 'epoch', value: fixed(0) },
      series: [
        dots('train accuracy', COLORS.train, percent),
        dots('test accuracy', COLORS.test, percent),
        line('test sample, during the epoch', COLORS.sample, { value: percent, dash: [6, 4], points: { show: true, size: 6, fill: COLORS.sample } }),
      ],
    }, this.accuracyData);
  }

  /** Empties both charts for a new run of `stepsPerEpoch` batches an epoch. */
  reset(stepsPerEpoch) {
    this.stepsPerEpoch = Math.max(1, stepsPerEpoch);
    this.smoothed = null;
    this.lastPlotted = -Infinity;
    this.lrMarks = []; // {x: epochs so far, lr}
    this.lossData = [[], [], [], []];
    this.accuracyData = [[0, 1], [null, null], [null, null], [null, null]];
    if (this.loss) this.redraw();
  }

  addBatch(event) {
    this.smoothed = this.smoothed === null ? event.loss : SMOOTHING * this.smoothed + (1 - SMOOTHING) * event.loss;
    const every = Math.max(1, Math.floor(this.stepsPerEpoch / POINTS_PER_EPOCH));
    if (event.step - this.lastPlotted < every) return;
    this.lastPlotted = event.step;
    const [x, batch, train, test] = this.lossData;
    x.push(event.step / this.stepsPerEpoch);
    batch.push(this.smoothed);
    train.push(null);
    test.push(null);
    this.schedule();
  }

  addEpoch(event) {
    const [x, batch, train, test] = this.lossData;
    x.push(event.epoch);
    batch.push(this.smoothed);
    train.push(event.train_loss);
    test.push(event.test_loss);
    const [ex, trainAcc, testAcc, sample] = this.accuracyData;
    ex.push(event.epoch);
    trainAcc.push(event.train_accuracy);
    testAcc.push(event.test_accuracy);
    sample.push(null);
    this.schedule();
  }

  /** A running accuracy on a fixed test sample (Python's "sample" event), inside an epoch. */
  addSample(event) {
    const [ex, trainAcc, testAcc, sample] = this.accuracyData;
    if (ex.length === 2 && ex[0] === 0 && ex[1] === 1 && trainAcc[0] === null) {
      this.accuracyData = [[], [], [], []]; // the placeholder axis goes once real points come
      return this.addSample(event);
    }
    ex.push(event.progress);
    trainAcc.push(null);
    testAcc.push(null);
    sample.push(event.sample_accuracy);
    this.accuracyEl.dataset.samples = String(Number(this.accuracyEl.dataset.samples || 0) + 1);
    this.schedule();
    return undefined;
  }

  /** Marks a learning-rate change at the newest point of the loss curve. */
  markLearningRate(lr) {
    const x = this.lossData[0];
    this.lrMarks.push({ x: x.length ? x[x.length - 1] : 0, lr });
    this.lossEl.dataset.lrMarks = String(this.lrMarks.length);
    this.schedule();
  }

  /** Redraws at most once a frame, however many events arrive. */
  schedule() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.redraw();
    });
  }

  redraw() {
    this.loss.setData(this.lossData);
    this.accuracy.setData(this.accuracyData);
  }
}
