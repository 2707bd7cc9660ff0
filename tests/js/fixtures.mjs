// Shared fixtures of the unit tests: a small option schema in the shape webapi.options() sends.

export const OPTIONS = [
  { name: 'preset', kind: 'choice', basic: true, default: 'default', choices: [{ value: 'default', title: 'Default' }, { value: 'lesson', title: 'Lesson' }] },
  { name: 'layers', kind: 'layers', basic: true, default: [128], low: 1, high: 4096, max_items: 8 },
  { name: 'activation', kind: 'choice', basic: true, default: 'relu', choices: [{ value: 'relu', title: 'ReLU' }, { value: 'tanh', title: 'Tanh' }] },
  { name: 'lr', kind: 'float', basic: true, default: 0.001, low: 0, high: 10 },
  { name: 'epochs', kind: 'int', basic: true, default: 5, low: 1, high: 1000 },
  { name: 'dropout', kind: 'float', basic: true, default: 0, low: 0, high: 0.9 },
  { name: 'batchnorm', kind: 'bool', basic: false, default: false },
  { name: 'seed', kind: 'int', basic: false, default: 0, low: 0, high: 2 ** 31 },
];

/** A good stored run, as the page records one. */
export function goodRun(extra = {}) {
  return {
    id: 'run-abc',
    number: 1,
    name: 'Run 1',
    custom_code: [],
    created: '2026-11-30T10:00:00.000Z',
    config: { preset: 'default', layers: [128, 64], activation: 'relu', lr: 0.002, epochs: 2, dropout: 0, batchnorm: true },
    status: 'done',
    epochs: [
      { epoch: 1, train_loss: 0.6, train_accuracy: 0.78, test_loss: 0.5, test_accuracy: 0.81, seconds: 3.2, lr: 0.002 },
      { epoch: 2, train_loss: 0.4, train_accuracy: 0.85, test_loss: 0.45, test_accuracy: 0.84, seconds: 3.1, lr: 0.002 },
    ],
    lr_changes: [],
    ...extra,
  };
}

/** localStorage's interface over a Map; `full` makes every write fail as a full storage does. */
export class MemoryStorage {
  constructor(entries = {}, { full = false } = {}) {
    this.map = new Map(Object.entries(entries));
    this.full = full;
  }

  getItem(key) {
    return this.map.has(key) ? this.map.get(key) : null;
  }

  setItem(key, value) {
    if (this.full) throw new Error('QuotaExceededError');
    this.map.set(key, String(value));
  }
}
