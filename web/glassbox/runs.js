// Compare runs: every training run (its settings and per-epoch figures) is kept in this browser
// (page/run-records.js), listed, overlaid two at a time, exported/imported as JSON or CSV.
// Why: "did momentum help?" is answered by two curves on one chart, not by memory.

import { COLORS, epochChart, followWidth, line } from '../widgets/charts.js';
import { download } from '../page/download.js';
import { read } from '../page/store.js';
import { epochRecord, METRICS, newRun, RUN_LIMITS, RunStore, validateRun } from '../page/run-records.js';
import { best, describeRun, overlaySeries, runToCsv, runToJson } from '../page/run-text.js';

const CHART_HEIGHT = 200;

export class RunsView {
  /**
   * @param {HTMLElement} card  @param {object} app  the page's glass-box context
   * @param {Storage} storage  where runs are kept (localStorage; tests pass a full one)
   */
  constructor(card, app, storage = window.localStorage) {
    this.app = app;
    this.card = card;
    this.storage = storage;
    this.store = null; // once the option schema is known (it says how to check a run's settings)
    this.options = [];
    this.current = null; // the run being recorded
    this.lastEpoch = 0; // of the run being recorded: where a learning-rate change happened
    this.unsaved = new Map(); // runs the browser would not store (full): kept here to export
    this.chart = null;
    card.insertAdjacentHTML('beforeend', `
      <p class="explain">Every training run is kept in this browser. Pick two to lay their curves
        on top of each other; export a run to keep it or send it to someone.</p>
      <div class="runs-compare" hidden>
        <label for="run-a">Run A</label><select id="run-a" class="run-a"></select>
        <label for="run-b">Run B</label><select id="run-b" class="run-b"></select>
        <label for="run-metric">Show</label><select id="run-metric" class="run-metric"></select>
      </div>
      <figure class="chart runs-chart" aria-label="Two runs compared" hidden></figure>
      <div class="table-wrap runs-wrap">
        <table class="runs-table" data-testid="run-history">
          <caption class="visually-hidden">Runs kept in this browser</caption>
          <thead><tr><th scope="col">Run</th><th scope="col">Settings</th><th scope="col">Epochs</th>
            <th scope="col">Best test accuracy</th><th scope="col">Export or delete</th></tr></thead>
          <tbody></tbody>
        </table>
        <p class="empty runs-empty" hidden>Runs you train appear here.</p>
      </div>
      <div class="button-row">
        <label class="file-button button-like">Import a run (.json)<input type="file" class="run-import" accept=".json,application/json" disabled></label>
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
    followWidth(card.querySelector('.runs-chart'), () => this.chart, { height: () => CHART_HEIGHT, minWidth: 260 });
  }

  update(event) {
    switch (event.event) {
      case 'schema':
        this.setSchema(event.schema);
        break;
      case 'run':
        this.started(event.result.config, event.result.custom_code ?? []);
        break;
      case 'epoch':
      case 'done':
      case 'stopped':
      case 'error':
      case 'crash': // the worker died: the run ends in error
        this.event(event);
        break;
      case 'lr':
        this.learningRate(event.lr);
        break;
      case 'theme':
        if (this.store) this.drawChart(); // colours and line widths of the new theme
        break;
      default:
        break;
    }
  }

  /** The option schema arrived: the stored runs can be checked and shown (once a page). */
  setSchema(schema) {
    this.options = schema.options;
    if (this.store) {
      this.store.options = this.options;
      this.render();
      return;
    }
    this.store = new RunStore(this.storage, this.options);
    this.card.querySelector('.run-import').disabled = false;
    // Start-up never depends on stored history: damaged runs are set aside and reported, and
    // anything else that goes wrong here leaves an empty list, not a page stuck at "Starting".
    try {
      // A run still "training" in storage was cut short by a reload or a closed tab.
      const runs = this.store.all();
      if (runs.some((r) => r.status === 'training')) {
        this.store.save(runs.map((r) => (r.status === 'training' ? { ...r, status: 'interrupted' } : r)));
      }
      if (this.store.damaged) {
        const n = this.store.damaged;
        this.message.textContent = `${n} stored run${n === 1 ? ' was' : 's were'} damaged and ${n === 1 ? 'is' : 'are'} not shown (kept aside in this browser's storage).`;
      }
    } catch (err) {
      this.message.textContent = `The runs stored in this browser could not be read (${err.message}).`;
    }
    try {
      this.render();
    } catch (err) {
      this.message.textContent = `The runs stored in this browser could not be shown (${err.message}).`;
    }
  }

  /** Every run: the stored ones, then those the browser would not store. */
  list() {
    const stored = this.store.all();
    const ids = new Set(stored.map((r) => r.id));
    return [...stored, ...[...this.unsaved.values()].filter((r) => !ids.has(r.id))];
  }

  find(id) {
    return this.unsaved.get(id) ?? this.store.get(id);
  }

  /** Stores a run; when the browser refuses (storage full), keeps it here and says so once. */
  keep(run) {
    if (this.store.put(run)) {
      this.unsaved.delete(run.id);
      return true;
    }
    const first = !this.unsaved.has(run.id);
    this.unsaved.set(run.id, run);
    if (first) {
      const name = run.name ?? run.id;
      this.message.textContent = `${name} is not saved in this browser: its storage is full.`;
      this.app.showError?.({
        message: `The browser's storage is full, so ${name} is not kept after you close the page.`,
        hint: 'Export it now with its JSON or CSV button under "Compare runs", or delete old runs there to make room.',
      });
    }
    return false;
  }

  // ------------------------------------------------------------ recording

  started(config, customCode = []) {
    this.lastEpoch = 0;
    this.current = newRun(this.list(), config, customCode, read().schema?.dataset?.name);
    this.keep(this.current);
    this.render(this.current.id);
  }

  event(event) {
    const run = this.current;
    if (!run) return;
    if (event.event === 'epoch') {
      this.lastEpoch = event.epoch;
      run.epochs.push(epochRecord(event));
    } else if (['done', 'stopped', 'error', 'crash'].includes(event.event)) {
      run.status = event.event === 'crash' ? 'error' : event.event;
      this.current = null;
    } else {
      return;
    }
    this.keep(run);
    this.render();
  }

  learningRate(lr) {
    if (!this.current) return;
    this.current.lr_changes.push({ after_epoch: this.lastEpoch, lr });
    this.keep(this.current);
  }

  render(selectId = null) {
    const runs = this.list();
    this.card.querySelector('.runs-empty').hidden = runs.length > 0;
    // Nothing to compare yet: no empty chart.
    this.card.querySelector('.runs-compare').hidden = runs.length === 0;
    this.card.querySelector('.runs-chart').hidden = runs.length === 0;
    this.tbody.replaceChildren(...runs.slice().reverse().map((run) => {
      const tr = document.createElement('tr');
      tr.dataset.id = run.id;
      tr.setAttribute('data-testid', 'run-row');
      const acc = best(run);
      const state = (run.status && run.status !== 'done' ? ` (${run.status})` : '')
        + (this.unsaved.has(run.id) ? ' (not saved: export it)' : '');
      const cells = [run.name ?? run.id, describeRun(run, this.options), `${run.epochs.length}${state}`,
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
    const options = () => [new Option('(none)', ''), ...runs.slice().reverse().map((r) => new Option(`${r.name ?? r.id}: ${describeRun(r, this.options)}`, r.id))];
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
    const run = this.find(button.closest('tr').dataset.id);
    if (!run) return;
    const base = `glassnet-${(run.name ?? run.id).toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
    if (button.dataset.action === 'json') download(runToJson(run), `${base}.json`, 'application/json');
    if (button.dataset.action === 'csv') download(runToCsv(run), `${base}.csv`, 'text/csv');
    if (button.dataset.action === 'delete') {
      if (this.current && this.current.id === run.id) this.current = null;
      this.unsaved.delete(run.id);
      this.store.remove(run.id);
      this.message.textContent = `${run.name ?? run.id} deleted.`;
      this.render();
    }
  }

  async importFile(file) {
    if (!file) return;
    try {
      if (file.size > RUN_LIMITS.fileBytes) {
        throw new Error(`${file.name} is ${(file.size / 1e6).toFixed(1)} MB; a run file is at most ${RUN_LIMITS.fileBytes / 1e6} MB.`);
      }
      const run = validateRun(JSON.parse(await file.text()), this.options);
      if (this.store.get(run.id)) {
        this.message.textContent = `${run.name ?? run.id} is already in the list.`;
        return;
      }
      if (!this.store.put(run)) throw new Error('The browser would not store it (storage full or blocked).');
      this.message.textContent = `Imported ${run.name ?? run.id} from ${file.name}.`;
      this.render(run.id);
    } catch (err) {
      const text = err instanceof SyntaxError ? `${file.name} is not valid JSON.` : err.message;
      this.app.showError({ message: text, hint: 'Pick a .json file made with a run\'s JSON button.' }, '', this.card.querySelector('.run-import'));
    }
  }

  // ------------------------------------------------------------ overlay chart

  drawChart() {
    const el = this.card.querySelector('.runs-chart');
    const metric = this.metric.value || 'test_accuracy';
    const picked = [this.selectA.value, this.selectB.value].map((id) => (id ? this.find(id) : null));
    const { maxEpoch, data } = overlaySeries(picked, metric);
    if (this.chart) this.chart.destroy();
    const label = (k) => (picked[k] ? `${['A', 'B'][k]}: ${picked[k].name ?? picked[k].id}` : ['A', 'B'][k]);
    const run = (k, color, extra) => line(label(k), color, { points: { size: 6, fill: color }, ...extra });
    this.chart = epochChart(el, {
      height: () => CHART_HEIGHT, minWidth: 260, percent: metric.endsWith('accuracy'),
      x: () => [0.5, maxEpoch + 0.5],
      series: [run(0, COLORS.train), run(1, COLORS.test, { dash: [6, 4] })],
    }, data);
    el.dataset.points = JSON.stringify(data.slice(1).map((s) => s.filter((v) => v !== null).length));
  }
}

/** The glass-box view contract (glassbox.js): fills `card`, hears every event through `update`. */
export function mount(card, ctx) {
  return new RunsView(card, ctx);
}
