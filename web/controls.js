// The training form: presets fill the fields, the fields become a config for webapi.start().
//
// Why its own module: the mapping between form fields and config keys is the one place that
// knows both sides; the rest of the page only asks for "the config" or "fill from this preset".

const FIELDS = [
  // [element id, config key, kind]
  ['hidden', 'layers', 'layers'],
  ['activation', 'activation', 'text'],
  ['optimizer', 'optimizer', 'text'],
  ['learning-rate', 'lr', 'float'],
  ['batch-size', 'batch_size', 'int'],
  ['epochs', 'epochs', 'int'],
  ['dropout', 'dropout', 'float'],
  ['weight-decay', 'weight_decay', 'float'],
  ['seed', 'seed', 'int'],
];

const byId = (id) => document.getElementById(id);

/** A config value as the text a field shows. */
function toField(kind, value) {
  if (kind === 'layers') return Array.isArray(value) ? value.join(',') : String(value ?? '');
  return value === undefined || value === null ? '' : String(value);
}

/** Reads one field; throws a message for people when the value cannot be used. */
function fromField(kind, id, raw) {
  const label = document.querySelector(`label[for="${id}"]`)?.textContent ?? id;
  const text = raw.trim();
  if (kind === 'layers') {
    if (text === '') return [];
    const parts = text.split(',').map((p) => p.trim());
    if (parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1)) {
      throw new Error(`${label}: write whole numbers separated by commas, like 256,128.`);
    }
    return parts.map(Number);
  }
  if (kind === 'text') return text;
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) throw new Error(`${label}: enter a number.`);
  if (kind === 'int' && !Number.isInteger(value)) throw new Error(`${label}: enter a whole number.`);
  return value;
}

export class Controls {
  constructor() {
    this.presets = {};
    this.preset = byId('preset');
    this.preset.addEventListener('change', () => this.fillFromPreset(this.preset.value));
  }

  /** Keeps the presets from webapi.presets() and shows the selected one. */
  setPresets(presets) {
    this.presets = presets || {};
    const names = Object.keys(this.presets);
    if (names.length) {
      for (const option of [...this.preset.options]) {
        option.disabled = !names.includes(option.value);
      }
    }
    this.fillFromPreset(this.preset.value);
  }

  fillFromPreset(name) {
    const config = this.presets[name];
    if (!config) return;
    for (const [id, key, kind] of FIELDS) {
      if (key in config) byId(id).value = toField(kind, config[key]);
    }
  }

  /** The config for webapi.start(): the preset as the base, the fields on top. */
  config() {
    const config = { preset: this.preset.value };
    for (const [id, key, kind] of FIELDS) config[key] = fromField(kind, id, byId(id).value);
    return config;
  }

  learningRate() {
    return fromField('float', 'learning-rate', byId('learning-rate').value);
  }

  /** While training, only the learning rate can change (it takes effect at the next batch). */
  setTraining(training) {
    for (const [id] of FIELDS) {
      if (id !== 'learning-rate') byId(id).disabled = training;
    }
    this.preset.disabled = training;
  }
}
