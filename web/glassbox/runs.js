// Compare runs: every training run (its configuration and per-epoch figures) is kept in the
// browser's localStorage, listed, overlaid two at a time, and exported/imported as JSON or CSV.
// Why: "did momentum help?" is answered by two curves on one chart, not by memory.

import { COLORS, epochChart, followWidth, line } from '../widgets/charts.js';
import { download } from '../page/download.js';

const KEY = 'glassnet.runs.v1';
// Stored runs that fail the checks below are moved here (never deleted, never shown), so one
// bad entry cannot stop the page from starting.
const DAMAGED_KEY = 'glassnet.runs.damaged.v1';
const METRICS = {
  test_accuracy: 'Test accuracy',
  train_accuracy: 'Train accuracy',
  test_loss: 'Test loss',
  train_loss: 'Train loss',
};
const CSV_COLUMNS = ['epoch', 'train_loss', 'train_accuracy', 'test_loss', 'test_accuracy', 'seconds', 'lr'];
// What a real run can hold: the same limits as the training options (epochs at most 1000).
export const RUN_LIMITS = {
  fileBytes: 2_000_000, epochs: 1000, lrChanges: 1000, configKeys: 64, layers: 64, layerSize: 65536, text: 200,
};
const STATUSES = ['training', 'interrupted', 'done', 'stopped', 'error'];
const CHART_HEIGHT = 200;

/** The runs in localStorage: a list of checked plain objects, oldest first. */
export class RunStore {
  /** @param {Storage} storage  @param {object[]} options  the option schema (validateRun) */
  constructor(storage, options) {
    this.storage = storage;
    this.options = options;
    this.damaged = 0; // stored runs skipped (and set aside) by the last all()
  }

  all() {
    let raw;
    try {
      raw = JSON.parse(this.storage.getItem(KEY) || '[]');
    } catch (_) {
      this.setAside([this.storage.getItem(KEY)]);
      this.write([]);
      return [];
    }
    if (!Array.isArray(raw)) {
      this.setAside([raw]);
      this.write([]);
      return [];
    }
    const good = [];
    const bad = [];
    for (const run of raw) {
      try {
        good.push(validateRun(run, this.options));
      } catch (_) {
        bad.push(run);
      }
    }
    if (bad.length) {
      this.setAside(bad);
      this.write(good);
    }
    return good;
  }

  /** Keeps damaged entries under their own key: reported, not lost, not read at start-up. */
  setAside(entries) {
    this.damaged += entries.length;
    try {
      const kept = JSON.parse(this.storage.getItem(DAMAGED_KEY) || '[]');
      const list = Array.isArray(kept) ? kept : [kept];
      this.storage.setItem(DAMAGED_KEY, JSON.stringify([...list, ...entries]));
    } catch (_) {
      // storage full or blocked: the damaged entries stay where they are
    }
  }

  write(runs) {
    try {
      this.storage.setItem(KEY, JSON.stringify(runs));
      return true;
    } catch (_) {
      return false; // full or blocked storage: the caller says so
    }
  }

  save(runs) {
    return this.write(runs);
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

function problem(text) {
  return new Error(`This run cannot be used: ${text}.`);
}

function text(value, what, { optional = false } = {}) {
  if (value === undefined && optional) return undefined;
  if (typeof value !== 'string' || !value || value.length > RUN_LIMITS.text) {
    throw problem(`"${what}" must be a text of 1 to ${RUN_LIMITS.text} characters`);
  }
  return value;
}

function finite(value, what, { min = -Infinity, max = Infinity, integer = false } = {}) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max
      || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'a whole number' : 'a number';
    throw problem(`"${what}" must be ${kind} between ${min} and ${max}, not ${JSON.stringify(value)?.slice(0, 40)}`);
  }
  return value;
}

/** A setting that is not (or no longer) an option: kept if it is plain data. */
function plainSetting(key, value) {
  if (typeof value === 'number') return finite(value, `config.${key}`);
  if (typeof value === 'boolean' || value === null) return value;
  if (typeof value === 'string') return text(value, `config.${key}`);
  throw problem(`"config.${key}" must be a number, text or true/false`);
}

/**
 * One setting checked by its option's kind in the schema (webapi.options()). Types only, not
 * ranges: a run stored under older limits still loads. Null is a setting that was not set.
 */
function checkSetting(option, value) {
  const what = `config.${option.name}`;
  if (value === null) return null;
  switch (option.kind) {
    case 'layers':
      if (!Array.isArray(value) || value.length > RUN_LIMITS.layers) throw problem(`"${what}" must be a list of sizes`);
      return value.map((n) => finite(n, what, { min: 1, max: RUN_LIMITS.layerSize, integer: true }));
    case 'int':
      return finite(value, what, { integer: true });
    case 'float':
      return finite(value, what);
    case 'bool':
      if (typeof value !== 'boolean') throw problem(`"${what}" must be true or false`);
      return value;
    case 'choice':
      return text(value, what);
    default:
      return plainSetting(option.name, value);
  }
}

function cleanConfig(config, options) {
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw problem('it has no "config" object');
  const keys = Object.keys(config);
  if (keys.length > RUN_LIMITS.configKeys) throw problem('its "config" has too many settings');
  const byName = new Map(options.map((o) => [o.name, o]));
  const clean = {};
  for (const key of keys) {
    const option = byName.get(key);
    clean[key] = option ? checkSetting(option, config[key]) : plainSetting(key, config[key]);
  }
  return clean;
}

function cleanEpoch(e) {
  if (!e || typeof e !== 'object' || Array.isArray(e)) throw problem('each of its "epochs" must be an object');
  const clean = { epoch: finite(e.epoch, 'epoch', { min: 1, max: RUN_LIMITS.epochs, integer: true }) };
  for (const key of CSV_COLUMNS.slice(1)) {
    if (e[key] === undefined || e[key] === null) continue;
    const range = key.endsWith('accuracy') ? { min: 0, max: 1 } : { min: 0 };
    clean[key] = finite(e[key], key, range);
  }
  return clean;
}

/**
 * Checks a run (imported or stored) field by field and returns a clean copy that holds only
 * what the page uses: types, ranges and sizes are what a real run can have, so nothing stored
 * can break the list, the chart or the CSV export later. Says what is wrong in words.
 * @param {object[]} options  the option schema's list (webapi.options().options): each setting
 *   is checked by its option's kind
 */
export function validateRun(run, options) {
  if (!run || typeof run !== 'object' || Array.isArray(run)) throw new Error('This file is not a Glassnet run (expected a JSON object).');
  if (typeof run.id !== 'string' || !run.id) throw new Error('This run has no "id".');
  text(run.id, 'id');
  if (!run.config || typeof run.config !== 'object') throw new Error('This run has no "config".');
  if (!Array.isArray(run.epochs)) throw new Error('This run\'s "epochs" must be a list of objects with an "epoch" number.');
  if (run.epochs.length > RUN_LIMITS.epochs) throw problem(`it has more than ${RUN_LIMITS.epochs} epochs`);
  const epochs = run.epochs.map(cleanEpoch);
  if (new Set(epochs.map((e) => e.epoch)).size !== epochs.length) throw problem('an epoch appears twice');
  const lrChanges = run.lr_changes === undefined ? [] : run.lr_changes;
  if (!Array.isArray(lrChanges) || lrChanges.length > RUN_LIMITS.lrChanges) throw problem('"lr_changes" must be a short list');
  const checked = {
    id: run.id,
    config: cleanConfig(run.config, options),
    epochs,
    lr_changes: lrChanges.map((c) => ({
      after_epoch: finite(c?.after_epoch, 'after_epoch', { min: 0, max: RUN_LIMITS.epochs, integer: true }),
      lr: finite(c?.lr, 'lr', { min: 0 }),
    })),
  };
  if (run.name !== undefined) checked.name = text(run.name, 'name');
  if (run.created !== undefined) checked.created = text(run.created, 'created');
  if (run.number !== undefined) checked.number = finite(run.number, 'number', { min: 0, max: 1e9, integer: true });
  if (run.custom_code !== undefined) {
    // The labels of the students' code a run trained with ("your ReLU"): a few short texts.
    if (!Array.isArray(run.custom_code) || run.custom_code.length > 20) throw problem('"custom_code" must be a short list of texts');
    checked.custom_code = run.custom_code.map((label) => text(label, 'custom_code'));
  }
  if (run.status !== undefined) {
    if (!STATUSES.includes(run.status)) throw problem(`"status" must be one of ${STATUSES.join(', ')}`);
    checked.status = run.status;
  }
  // The run's own key order (an exported run imports back byte for byte); unknown keys dropped.
  const clean = {};
  for (const key of [...Object.keys(run), ...Object.keys(checked)]) {
    if (key in checked && !(key in clean)) clean[key] = checked[key];
  }
  return clean;
}

/**
 * One CSV cell. Text that a spreadsheet would run as a formula (=, +, -, @, tab, return first)
 * gets a leading apostrophe, and any text that could end the cell or the row is quoted.
 */
export function csvCell(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let textValue = String(value);
  const formula = /^[=+\-@\t\r]/.test(textValue);
  if (formula) textValue = `'${textValue}`;
  return formula || /[",\r\n]|^\s|\s$/.test(textValue) ? `"${textValue.replace(/"/g, '""')}"` : textValue;
}

/** The epochs as CSV: numbers only in the number columns (anything else is left empty). */
export function runToCsv(run) {
  const lines = [CSV_COLUMNS.map(csvCell).join(',')];
  for (const e of run.epochs) {
    lines.push(CSV_COLUMNS.map((k) => (typeof e[k] === 'number' ? csvCell(e[k]) : '')).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

export function runToJson(run) {
  return `${JSON.stringify(run, null, 2)}\n`;
}


const words = (name) => name.replace(/_/g, ' ');
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** One setting in a few words, as the form names it: "128,64", "ReLU", "lr 0.002", "batchnorm". */
function describeSetting(option, value) {
  if (option.kind === 'layers') return value.length ? value.join(',') : 'no hidden layer';
  if (option.kind === 'bool') return value ? words(option.name) : `no ${words(option.name)}`;
  if (option.kind === 'choice') {
    const title = option.choices?.find((c) => c.value === value)?.title ?? value;
    return option.basic ? title : `${words(option.name)} ${title}`; // the basic menus name themselves
  }
  return `${words(option.name)} ${value}`;
}

/**
 * A run's settings in one line, from the option schema: the basic options (not those switched off
 * at their default, such as dropout 0), then any other option changed from its default.
 */
function describeConfig(config, options) {
  const shown = (o, v) => (o.basic ? !(o.kind === 'float' && v === 0 && o.default === 0) : !same(v, o.default));
  return options.filter((o) => config[o.name] !== undefined && config[o.name] !== null && shown(o, config[o.name]))
    .map((o) => describeSetting(o, config[o.name])).join(' · ');
}

/** A run's settings, and the students' code it trained with, in one line. */
function describeRun(run, options) {
  const custom = Array.isArray(run.custom_code) && run.custom_code.length ? ` · with ${run.custom_code.join(', ')}` : '';
  return describeConfig(run.config, options) + custom;
}

function best(run) {
  const accs = run.epochs.map((e) => e.test_accuracy).filter((v) => typeof v === 'number');
  return accs.length ? Math.max(...accs) : null;
}

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
    const runs = this.list();
    const number = runs.reduce((m, r) => Math.max(m, r.number ?? 0), 0) + 1;
    this.current = {
      id: `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`,
      number,
      name: customCode.length ? `Run ${number} (your code)` : `Run ${number}`,
      custom_code: customCode,
      created: new Date().toISOString(),
      config,
      status: 'training',
      epochs: [],
      lr_changes: [],
    };
    this.keep(this.current);
    this.render(this.current.id);
  }

  event(event) {
    const run = this.current;
    if (!run) return;
    if (event.event === 'epoch') {
      this.lastEpoch = event.epoch;
      const keep = {};
      for (const k of CSV_COLUMNS) if (k in event) keep[k] = event[k];
      run.epochs.push(keep);
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

  // ------------------------------------------------------------ list

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
    const maxEpoch = Math.max(1, ...picked.filter(Boolean).flatMap((r) => r.epochs.map((e) => e.epoch)));
    const xs = Array.from({ length: maxEpoch }, (_, i) => i + 1);
    const series = picked.map((run) => xs.map((x) => {
      const e = run?.epochs.find((p) => p.epoch === x);
      return e && typeof e[metric] === 'number' ? e[metric] : null;
    }));
    const data = [xs, ...series];
    if (this.chart) this.chart.destroy();
    const label = (k) => (picked[k] ? `${['A', 'B'][k]}: ${picked[k].name ?? picked[k].id}` : ['A', 'B'][k]);
    const run = (k, color, extra) => line(label(k), color, { points: { size: 6, fill: color }, ...extra });
    this.chart = epochChart(el, {
      height: () => CHART_HEIGHT, minWidth: 260, percent: metric.endsWith('accuracy'),
      x: () => [0.5, maxEpoch + 0.5],
      series: [run(0, COLORS.train), run(1, COLORS.test, { dash: [6, 4] })],
    }, data);
    el.dataset.points = JSON.stringify(series.map((s) => s.filter((v) => v !== null).length));
  }
}
