// Compare runs: every training run (its configuration and per-epoch figures) is kept in the
// browser's localStorage, listed, overlaid two at a time, and exported/imported as JSON or CSV.
// Why: "did momentum help?" is answered by two curves on one chart, not by memory.

import uPlot from './vendor/uplot/uPlot.esm.js';

const KEY = 'glassnet.runs.v1';
const METRICS = {
  test_accuracy: 'Test accuracy',
  train_accuracy: 'Train accuracy',
  test_loss: 'Test loss',
  train_loss: 'Train loss',
};
const CSV_COLUMNS = ['epoch', 'train_loss', 'train_accuracy', 'test_loss', 'test_accuracy', 'seconds', 'lr'];

/** The runs in localStorage: a list of plain objects, oldest first. */
export class RunStore {
  constructor(storage = window.localStorage) {
    this.storage = storage;
  }

  all() {
    try {
      const runs = JSON.parse(this.storage.getItem(KEY) || '[]');
      return Array.isArray(runs) ? runs : [];
    } catch (_) {
      return [];
    }
  }

  save(runs) {
    try {
      this.storage.setItem(KEY, JSON.stringify(runs));
      return true;
    } catch (_) {
      return false; // full or blocked storage: the page goes on, the list just is not kept
    }
  }

  get(id) {
    return this.all().find((r) => r.id === id) ?? null;
  }

  put(run) {
    const runs = this.all();
    const at = runs.findIndex((r) => r.id === run.id);
    if (at >= 0) runs[at] = run;
    else runs.push(run);
    return this.save(runs);
  }

  remove(id) {
    this.save(this.all().filter((r) => r.id !== id));
  }
}

/** Checks an imported run and says what is wrong in words. */
export function validateRun(run) {
  if (!run || typeof run !== 'object' || Array.isArray(run)) throw new Error('This file is not a Glassnet run (expected a JSON object).');
  if (typeof run.id !== 'string' || !run.id) throw new Error('This run has no "id".');
  if (!run.config || typeof run.config !== 'object') throw new Error('This run has no "config".');
  if (!Array.isArray(run.epochs) || run.epochs.some((e) => !e || typeof e.epoch !== 'number')) {
    throw new Error('This run\'s "epochs" must be a list of objects with an "epoch" number.');
  }
  return run;
}

export function runToCsv(run) {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of run.epochs) lines.push(CSV_COLUMNS.map((k) => (e[k] ?? '')).join(','));
  return `${lines.join('\n')}\n`;
}

export function runToJson(run) {
  return `${JSON.stringify(run, null, 2)}\n`;
}

function download(text, name, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function describeConfig(c) {
  const layers = Array.isArray(c.layers) ? c.layers.join(',') : c.layers;
  return `${layers || 'no hidden'} · ${c.activation} · ${c.optimizer} · lr ${c.lr} · batch ${c.batch_size} · seed ${c.seed}`;
}

function best(run) {
  const accs = run.epochs.map((e) => e.test_accuracy).filter((v) => typeof v === 'number');
  return accs.length ? Math.max(...accs) : null;
}

export class RunsView {
  /** @param {HTMLElement} card  @param {object} app  the page's glass-box context */
  constructor(card, app) {
    this.app = app;
    this.card = card;
    this.store = new RunStore();
    this.current = null; // the run being recorded
    this.chart = null;
    card.insertAdjacentHTML('beforeend', `
      <p class="explain">Every training run is kept in this browser. Pick two to lay their curves
        on top of each other; export a run to keep it or send it to someone.</p>
      <div class="runs-compare">
        <label for="run-a">Run A</label><select id="run-a" class="run-a"></select>
        <label for="run-b">Run B</label><select id="run-b" class="run-b"></select>
        <label for="run-metric">Show</label><select id="run-metric" class="run-metric"></select>
      </div>
      <figure class="chart runs-chart" aria-label="Two runs compared"></figure>
      <div class="table-wrap runs-wrap">
        <table class="runs-table" data-testid="run-history">
          <caption class="visually-hidden">Runs kept in this browser</caption>
          <thead><tr><th scope="col">Run</th><th scope="col">Settings</th><th scope="col">Epochs</th>
            <th scope="col">Best test accuracy</th><th scope="col">Export or delete</th></tr></thead>
          <tbody></tbody>
        </table>
        <p class="empty runs-empty">Runs you train appear here.</p>
      </div>
      <div class="button-row">
        <label class="file-button button-like">Import a run (.json)<input type="file" class="run-import" accept=".json,application/json"></label>
        <span class="runs-message muted" aria-live="polite"></span>
      </div>`);
    this.tbody = card.querySelector('.runs-table tbody');
    this.selectA = card.querySelector('.run-a');
    this.selectB = card.querySelector('.run-b');
    this.metric = card.querySelector('.run-metric');
    this.metric.append(...Object.entries(METRICS).map(([k, v]) => new Option(v, k)));
    this.message = card.querySelector('.runs-message');
    for (const el of [this.selectA, this.selectB, this.metric]) el.addEventListener('change', () => this.drawChart());
    card.querySelector('.run-import').addEventListener('change', (e) => {
      this.importFile(e.target.files[0]).finally(() => { e.target.value = ''; });
    });
    this.tbody.addEventListener('click', (e) => this.rowAction(e));
    // A run still "training" in storage was cut short by a reload or a closed tab.
    const runs = this.store.all();
    if (runs.some((r) => r.status === 'training')) {
      this.store.save(runs.map((r) => (r.status === 'training' ? { ...r, status: 'interrupted' } : r)));
    }
    const chartEl = card.querySelector('.runs-chart');
    let lastWidth = chartEl.clientWidth;
    new ResizeObserver(() => {
      if (this.chart && chartEl.clientWidth !== lastWidth) {
        lastWidth = chartEl.clientWidth;
        this.chart.setSize({ width: Math.max(260, chartEl.clientWidth - 8), height: 200 });
      }
    }).observe(chartEl);
    this.render();
  }

  // ------------------------------------------------------------ recording

  started(config) {
    const runs = this.store.all();
    const number = runs.reduce((m, r) => Math.max(m, r.number ?? 0), 0) + 1;
    this.current = {
      id: `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`,
      number,
      name: `Run ${number}`,
      created: new Date().toISOString(),
      config,
      status: 'training',
      epochs: [],
      lr_changes: [],
    };
    this.store.put(this.current);
    this.render(this.current.id);
  }

  event(event) {
    const run = this.current;
    if (!run) return;
    if (event.event === 'epoch') {
      const keep = {};
      for (const k of CSV_COLUMNS) if (k in event) keep[k] = event[k];
      run.epochs.push(keep);
    } else if (['done', 'stopped', 'error'].includes(event.event)) {
      run.status = event.event;
      this.current = null;
    } else {
      return;
    }
    this.store.put(run);
    this.render();
  }

  learningRate(lr, epoch) {
    if (!this.current) return;
    this.current.lr_changes.push({ after_epoch: epoch, lr });
    this.store.put(this.current);
  }

  // ------------------------------------------------------------ list

  render(selectId = null) {
    const runs = this.store.all();
    this.card.querySelector('.runs-empty').hidden = runs.length > 0;
    // Nothing to compare yet: no empty chart.
    this.card.querySelector('.runs-compare').hidden = runs.length === 0;
    this.card.querySelector('.runs-chart').hidden = runs.length === 0;
    this.tbody.replaceChildren(...runs.slice().reverse().map((run) => {
      const tr = document.createElement('tr');
      tr.dataset.id = run.id;
      tr.setAttribute('data-testid', 'run-row');
      const acc = best(run);
      const state = run.status && run.status !== 'done' ? ` (${run.status})` : '';
      const cells = [run.name ?? run.id, describeConfig(run.config), `${run.epochs.length}${state}`,
        acc === null ? '–' : `${(acc * 100).toFixed(1)}%`];
      cells.forEach((text, i) => {
        const td = document.createElement(i === 0 ? 'th' : 'td');
        if (i === 0) td.scope = 'row';
        td.textContent = text;
        tr.append(td);
      });
      const td = document.createElement('td');
      td.className = 'run-actions';
      const label = run.name ?? run.id;
      for (const [action, text] of [['json', 'JSON'], ['csv', 'CSV'], ['delete', 'Delete']]) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'small';
        b.dataset.action = action;
        b.textContent = text;
        b.setAttribute('aria-label', action === 'delete' ? `Delete ${label}` : `Export ${label} as ${text}`);
        td.append(b);
      }
      tr.append(td);
      return tr;
    }));
    this.fillSelects(runs, selectId);
    this.drawChart();
  }

  fillSelects(runs, selectId) {
    const prevA = this.selectA.value;
    const prevB = this.selectB.value;
    const options = () => [new Option('(none)', ''), ...runs.slice().reverse().map((r) => new Option(`${r.name ?? r.id}: ${describeConfig(r.config)}`, r.id))];
    this.selectA.replaceChildren(...options());
    this.selectB.replaceChildren(...options());
    const has = (id) => runs.some((r) => r.id === id);
    // A new run becomes A and the previous A moves to B, so the latest two are compared.
    if (selectId) {
      this.selectB.value = has(prevA) ? prevA : (runs.length > 1 ? runs[runs.length - 2].id : '');
      this.selectA.value = selectId;
    } else {
      this.selectA.value = has(prevA) ? prevA : (runs.length ? runs[runs.length - 1].id : '');
      this.selectB.value = has(prevB) ? prevB : (runs.length > 1 ? runs[runs.length - 2].id : '');
    }
  }

  rowAction(e) {
    const button = e.target.closest('button[data-action]');
    if (!button) return;
    const run = this.store.get(button.closest('tr').dataset.id);
    if (!run) return;
    const base = `glassnet-${(run.name ?? run.id).toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
    if (button.dataset.action === 'json') download(runToJson(run), `${base}.json`, 'application/json');
    if (button.dataset.action === 'csv') download(runToCsv(run), `${base}.csv`, 'text/csv');
    if (button.dataset.action === 'delete') {
      if (this.current && this.current.id === run.id) this.current = null;
      this.store.remove(run.id);
      this.message.textContent = `${run.name ?? run.id} deleted.`;
      this.render();
    }
  }

  async importFile(file) {
    if (!file) return;
    try {
      const run = validateRun(JSON.parse(await file.text()));
      if (this.store.get(run.id)) {
        this.message.textContent = `${run.name ?? run.id} is already in the list.`;
        return;
      }
      if (!this.store.put(run)) throw new Error('The browser would not store it (storage full or blocked).');
      this.message.textContent = `Imported ${run.name ?? run.id} from ${file.name}.`;
      this.render(run.id);
    } catch (err) {
      const text = err instanceof SyntaxError ? `${file.name} is not valid JSON.` : err.message;
      this.app.showError({ message: text, hint: 'Pick a .json file made with a run\'s JSON button.' });
    }
  }

  // ------------------------------------------------------------ overlay chart

  drawChart() {
    const el = this.card.querySelector('.runs-chart');
    const metric = this.metric.value || 'test_accuracy';
    const picked = [this.selectA.value, this.selectB.value].map((id) => (id ? this.store.get(id) : null));
    const maxEpoch = Math.max(1, ...picked.filter(Boolean).flatMap((r) => r.epochs.map((e) => e.epoch)));
    const xs = Array.from({ length: maxEpoch }, (_, i) => i + 1);
    const series = picked.map((run) => xs.map((x) => {
      const e = run?.epochs.find((p) => p.epoch === x);
      return e && typeof e[metric] === 'number' ? e[metric] : null;
    }));
    const data = [xs, ...series];
    const width = Math.max(260, el.clientWidth - 8);
    const percent = metric.endsWith('accuracy');
    if (this.chart) this.chart.destroy();
    const label = (k) => (picked[k] ? `${['A', 'B'][k]}: ${picked[k].name ?? picked[k].id}` : ['A', 'B'][k]);
    this.chart = new uPlot({
      width, height: 200,
      scales: {
        x: { time: false, range: () => [0.5, maxEpoch + 0.5] },
        y: {
          range: (u, min, max) => (percent
            ? [min === null ? 0 : Math.max(0, Math.floor((min - 0.05) * 10) / 10), 1]
            : [0, Math.max(max ?? 1, 0.1) * 1.05]),
        },
      },
      axes: [
        { label: 'epoch', labelSize: 20, size: 36, values: (u, s) => s.map((v) => (Number.isInteger(v) ? String(v) : '')) },
        { size: 48, values: (u, s) => s.map((v) => (percent ? `${Math.round(v * 100)}%` : v.toFixed(2))) },
      ],
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: 'epoch' },
        { label: label(0), stroke: '#2b6cb0', width: 2, spanGaps: true, points: { size: 6, fill: '#2b6cb0' } },
        { label: label(1), stroke: '#c05621', width: 2, dash: [6, 4], spanGaps: true, points: { size: 6, fill: '#c05621' } },
      ],
    }, data, el);
    el.dataset.points = JSON.stringify(series.map((s) => s.filter((v) => v !== null).length));
  }
}
