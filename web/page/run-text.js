// A run record as text: CSV and JSON exports, its settings in one line, the figures two runs
// overlay on one chart. Plain functions (no page), unit-tested in Node.

import { CSV_COLUMNS } from './run-records.js';

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
export function describeRun(run, options) {
  const custom = Array.isArray(run.custom_code) && run.custom_code.length ? ` · with ${run.custom_code.join(', ')}` : '';
  return describeConfig(run.config, options) + custom;
}

/** A run's best test accuracy, or null before its first epoch. */
export function best(run) {
  const accs = run.epochs.map((e) => e.test_accuracy).filter((v) => typeof v === 'number');
  return accs.length ? Math.max(...accs) : null;
}

/** Two runs' values of `metric` per epoch, for one chart: [epochs, A's, B's] (null where missing). */
export function overlaySeries(picked, metric) {
  const maxEpoch = Math.max(1, ...picked.filter(Boolean).flatMap((r) => r.epochs.map((e) => e.epoch)));
  const xs = Array.from({ length: maxEpoch }, (_, i) => i + 1);
  const series = picked.map((run) => xs.map((x) => {
    const e = run?.epochs.find((p) => p.epoch === x);
    return e && typeof e[metric] === 'number' ? e[metric] : null;
  }));
  return { maxEpoch, data: [xs, ...series] };
}
