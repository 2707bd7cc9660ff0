// The training form, built from the option schema that Python sends (webapi.options()).
//
// Why its own module: the schema (names, labels, kinds, ranges, help, presets) lives once in
// glassnet/presets.py; this module turns it into fields, fills them from a preset, reads them back
// as raw values (Python converts and validates them: one set of rules), shows "custom" when the
// fields no longer match the chosen preset, and shows an error next to the field it concerns.

const byId = (id) => document.getElementById(id);

/** The element id of an option's field: its name with dashes (lr -> "lr", batch_size -> "batch-size"). */
export const fieldId = (name) => name.replace(/_/g, '-');

/** A label as a test hook: "Learning rate" -> "learning-rate". */
const slug = (text) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** A config value as the text a field shows. */
export function toText(option, value) {
  if (option.kind === 'layers') return Array.isArray(value) ? value.join(',') : String(value ?? '');
  return value === undefined || value === null ? '' : String(value);
}

/** Does the field's text say the same as this value? (Comparison only: Python validates.) */
function sameValue(option, text, value) {
  if (option.kind === 'layers') return text.replace(/\s+/g, '') === toText(option, value);
  if (option.kind === 'int' || option.kind === 'float') {
    return text.trim() !== '' && Number(text) === Number(value);
  }
  return text === String(value);
}

export class Controls {
  /** @param {HTMLFormElement} form  @param {HTMLSelectElement} presetSelect */
  constructor(form = byId('config-form'), presetSelect = byId('preset')) {
    this.form = form;
    this.preset = presetSelect;
    this.schema = null;
    this.base = null; // the preset the fields started from
    this.listeners = new Set();
    this.preset.addEventListener('change', () => {
      this.setSource('');
      if (this.preset.value !== 'custom') this.fillFromPreset(this.preset.value);
      this.changed();
    });
    this.form.addEventListener('input', (e) => {
      if (e.target === this.preset) return;
      this.clearFieldError(e.target.closest('[data-option]')?.dataset.option);
      this.matchPreset();
      this.changed();
    });
    this.form.addEventListener('click', (e) => {
      const button = e.target.closest('.help-toggle');
      if (!button) return;
      const help = byId(button.getAttribute('aria-controls'));
      help.hidden = !help.hidden;
      button.setAttribute('aria-expanded', String(!help.hidden));
    });
  }

  /** Says where the settings came from when not from a preset (an example that rewrote them). */
  setSource(name) {
    const note = this.form.querySelector('.settings-note');
    if (!note) return;
    note.textContent = name ? `These settings come from “${name}”.` : '';
    note.hidden = !name;
  }

  /** Calls back whenever the settings change (typed, preset chosen, filled from a link). */
  onChange(listener) {
    this.listeners.add(listener);
  }

  changed() {
    for (const listener of this.listeners) listener();
  }

  get options() {
    return this.schema ? this.schema.options : [];
  }

  option(name) {
    return this.options.find((o) => o.name === name);
  }

  /** Builds the preset list and one field per option; basic options first, the rest folded. */
  setSchema(schema) {
    this.schema = schema;
    const presets = Object.entries(schema.presets);
    this.preset.replaceChildren(
      ...presets.map(([name, p]) => new Option(`${name}: ${p.help}`, name)),
      Object.assign(new Option('custom (your own settings)', 'custom'), { hidden: true }),
    );
    const basic = this.form.querySelector('.fields-basic');
    const more = this.form.querySelector('.fields-more');
    basic.replaceChildren();
    more.replaceChildren();
    for (const option of schema.options) (option.basic ? basic : more).append(this.field(option));
    this.form.querySelector('.fields-loading')?.remove();
    const start = presets.some(([name]) => name === this.preset.dataset.initial)
      ? this.preset.dataset.initial : schema.default_preset;
    this.preset.value = start;
    this.fillFromPreset(start);
  }

  field(option) {
    const id = fieldId(option.name);
    const wrap = document.createElement('div');
    wrap.className = `field field-${option.kind}`;
    wrap.dataset.option = option.name;
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = option.label;
    let input;
    if (option.kind === 'choice') {
      input = document.createElement('select');
      for (const choice of option.choices) input.append(new Option(choice.title, choice.value));
    } else if (option.kind === 'bool') {
      input = document.createElement('select');
      input.append(new Option('off', 'false'), new Option('on', 'true'));
    } else {
      // Text, not type=number: a bad value stays visible (with its reason) instead of vanishing.
      input = document.createElement('input');
      input.type = 'text';
      input.inputMode = option.kind === 'layers' ? 'text' : option.kind === 'int' ? 'numeric' : 'decimal';
      input.spellcheck = false;
    }
    input.id = id;
    input.name = option.name;
    input.dataset.testid = slug(option.label);
    const help = document.createElement('small');
    help.id = `${id}-help`;
    help.className = 'help';
    help.hidden = true;
    help.textContent = `${option.help} Allowed: ${option.range}.`;
    const error = document.createElement('p');
    error.id = `${id}-error`;
    error.className = 'field-error';
    error.dataset.testid = 'field-error';
    error.setAttribute('role', 'alert');
    error.hidden = true;
    input.setAttribute('aria-describedby', `${help.id} ${error.id}`);
    const toggle = document.createElement('button');
    toggle.type = 'button';
    toggle.className = 'help-toggle quiet';
    toggle.textContent = '?';
    toggle.setAttribute('aria-label', `What is ${option.label.toLowerCase()}?`);
    toggle.setAttribute('aria-expanded', 'false');
    toggle.setAttribute('aria-controls', help.id);
    const row = document.createElement('div');
    row.className = 'field-row';
    row.append(input, toggle);
    wrap.append(label, row, help, error);
    return wrap;
  }

  input(name) {
    return byId(fieldId(name));
  }

  fillFromPreset(name) {
    const preset = this.schema?.presets[name];
    if (!preset) return;
    this.base = name;
    this.setValues(preset.values);
    this.preset.value = name;
  }

  /** Puts config values into the fields (keys that are not options are ignored). */
  setValues(config) {
    for (const option of this.options) {
      if (option.name in config) this.input(option.name).value = toText(option, config[option.name]);
    }
    this.clearFieldErrors();
    this.matchPreset();
  }

  /** The raw text of every field, by option name (what a share link stores). */
  texts() {
    const out = {};
    for (const option of this.options) out[option.name] = this.input(option.name).value.trim();
    return out;
  }

  /** The preset whose values all fields show, else null. */
  matchingPreset() {
    if (!this.schema) return null;
    const texts = this.texts();
    const matches = (values) => this.options.every((o) => sameValue(o, texts[o.name], values[o.name]));
    if (this.base && matches(this.schema.presets[this.base].values)) return this.base;
    return Object.keys(this.schema.presets).find((name) => matches(this.schema.presets[name].values)) ?? null;
  }

  /** The preset selector tells the truth: a preset's name only while every field matches it. */
  matchPreset() {
    const name = this.matchingPreset();
    const custom = this.preset.querySelector('option[value=custom]');
    if (custom) custom.hidden = name !== null;
    this.preset.value = name ?? 'custom';
  }

  /**
   * The config for webapi.start(): the preset the fields came from as the base and every field's
   * text on top. Python converts and validates it (an error names the field: showFieldError).
   */
  config() {
    const config = { preset: this.base ?? this.schema?.default_preset ?? 'default' };
    for (const [name, text] of Object.entries(this.texts())) config[name] = text;
    return config;
  }

  learningRate() {
    return this.input('lr').value.trim();
  }

  /** An error from Python about one option, shown under its field; returns false if no such field. */
  showFieldError(name, message) {
    const error = name && byId(`${fieldId(name)}-error`);
    if (!error) return false;
    error.textContent = message;
    error.hidden = false;
    this.input(name).setAttribute('aria-invalid', 'true');
    const more = error.closest('details');
    if (more) more.open = true;
    return true;
  }

  clearFieldError(name) {
    const error = name && byId(`${fieldId(name)}-error`);
    if (!error) return;
    error.hidden = true;
    error.textContent = '';
    this.input(name).removeAttribute('aria-invalid');
  }

  clearFieldErrors() {
    for (const option of this.options) this.clearFieldError(option.name);
  }

  /** While training, only the learning rate can change (it takes effect at the next batch). */
  setTraining(training) {
    for (const option of this.options) {
      if (option.name !== 'lr') this.input(option.name).disabled = training;
    }
    this.preset.disabled = training || !this.schema;
  }
}
