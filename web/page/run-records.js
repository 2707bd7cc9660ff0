// The records of training runs, without the page: kept in localStorage (RunStore), checked field
// by field when read or imported (validateRun), exported as JSON or CSV and described in one
// line (page/run-text.js). "Compare runs" (glassbox/runs.js) shows them; these plain functions
// are unit-tested in Node (tests/js/run-records.test.mjs).

const KEY = 'glassnet.runs.v1';
// Stored runs that fail the checks below are moved here (never deleted, never shown), so one
// bad entry cannot stop the page from starting.
const DAMAGED_KEY = 'glassnet.runs.damaged.v1';
export const METRICS = {
  test_accuracy: 'Test accuracy',
  train_accuracy: 'Train accuracy',
  test_loss: 'Test loss',
  train_loss: 'Train loss',
};
export const CSV_COLUMNS = ['epoch', 'train_loss', 'train_accuracy', 'test_loss', 'test_accuracy', 'seconds', 'lr'];
// What a real run can hold, beyond what the option schema says (its epochs option's upper bound
// limits the epochs, its layers option the hidden layers): sizes of the stored record itself.
export const RUN_LIMITS = {
  fileBytes: 2_000_000, lrChanges: 1000, configKeys: 64, text: 200,
};

/** The most epochs a run can have: the epochs option's upper bound in the schema. */
function maxEpochs(options) {
  return options.find((o) => o.name === 'epochs')?.high ?? 0;
}
const STATUSES = ['training', 'interrupted', 'done', 'stopped', 'error'];

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
      if (!Array.isArray(value) || value.length > option.max_items) throw problem(`"${what}" must be a list of sizes`);
      return value.map((n) => finite(n, what, { min: option.low, max: option.high, integer: true }));
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

function cleanEpoch(e, epochs) {
  if (!e || typeof e !== 'object' || Array.isArray(e)) throw problem('each of its "epochs" must be an object');
  const clean = { epoch: finite(e.epoch, 'epoch', { min: 1, max: epochs, integer: true }) };
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
  const most = maxEpochs(options);
  if (run.epochs.length > most) throw problem(`it has more than ${most} epochs`);
  const epochs = run.epochs.map((e) => cleanEpoch(e, most));
  if (new Set(epochs.map((e) => e.epoch)).size !== epochs.length) throw problem('an epoch appears twice');
  const lrChanges = run.lr_changes === undefined ? [] : run.lr_changes;
  if (!Array.isArray(lrChanges) || lrChanges.length > RUN_LIMITS.lrChanges) throw problem('"lr_changes" must be a short list');
  const checked = {
    id: run.id,
    config: cleanConfig(run.config, options),
    epochs,
    lr_changes: lrChanges.map((c) => ({
      after_epoch: finite(c?.after_epoch, 'after_epoch', { min: 0, max: most, integer: true }),
      lr: finite(c?.lr, 'lr', { min: 0 }),
    })),
  };
  if (run.name !== undefined) checked.name = text(run.name, 'name');
  if (run.dataset !== undefined) checked.dataset = text(run.dataset, 'dataset');
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
 * A new run's record, numbered after the highest number among `runs`; named "(your code)" when it
 * trains with a student's version of a piece.
 */
/** A new run record; `dataset` is the data-set registry's name of the data it trains on. */
export function newRun(runs, config, customCode = [], dataset = undefined) {
  const number = runs.reduce((m, r) => Math.max(m, r.number ?? 0), 0) + 1;
  return {
    id: `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`,
    number,
    name: customCode.length ? `Run ${number} (your code)` : `Run ${number}`,
    custom_code: customCode,
    created: new Date().toISOString(),
    config,
    ...(dataset ? { dataset } : {}),
    status: 'training',
    epochs: [],
    lr_changes: [],
  };
}

/** What a run keeps of an epoch event: the CSV columns it has. */
export function epochRecord(event) {
  const keep = {};
  for (const k of CSV_COLUMNS) if (k in event) keep[k] = event[k];
  return keep;
}
