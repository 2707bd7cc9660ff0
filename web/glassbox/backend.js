// The matrix engine switch: which code does the network's matrix products inside the browser.
// Why: almost all of training is multiplying matrices. Pyodide's NumPy does it one number at a
// time; glassnet's WebAssembly kernel does four at once (SIMD) on tiles that stay close to the
// processor. Students switch engines (even while training) and see both speeds, measured here
// by Python on the network they are training.

const LABELS = {
  kernel: 'WebAssembly SIMD kernel (glassnet’s own C code)',
  einsum: 'NumPy einsum (no SIMD in the browser)',
  blas: 'NumPy @ (with BLAS)',
};

export class BackendView {
  /** @param {HTMLElement} card  @param {{call: Function}} app */
  constructor(card, app) {
    this.app = app;
    card.insertAdjacentHTML('beforeend', `
      <p class="explain">Almost all of training is multiplying matrices. Pick the code that does
        it, then measure one training step (forward, backward, update) of your network with each.</p>
      <fieldset class="engine-choice" data-testid="engine-choice"><legend>Matrix engine</legend></fieldset>
      <p><button type="button" class="engine-measure" data-testid="engine-measure">Measure both</button></p>
      <table class="engine-speeds" data-testid="engine-speeds" hidden>
        <thead><tr><th>engine</th><th>ms per batch</th><th>images/s</th></tr></thead>
        <tbody></tbody>
      </table>
      <p class="engine-note muted" aria-live="polite"></p>`);
    this.choice = card.querySelector('.engine-choice');
    this.table = card.querySelector('.engine-speeds');
    this.note = card.querySelector('.engine-note');
    this.button = card.querySelector('.engine-measure');
    this.button.addEventListener('click', () => this.measure());
    this.choice.addEventListener('change', (e) => this.choose(e.target.value));
  }

  update(event) {
    if (event.event === 'ready') this.refresh(); // a (re)started Python: its engines
  }

  async refresh() {
    try {
      this.show(await this.app.call('backends', { measure: false }));
    } catch (err) {
      this.note.textContent = err.message;
    }
  }

  async choose(name) {
    try {
      this.show(await this.app.call('use_backend', { name }));
      this.note.textContent = `From the next batch on, ${LABELS[name] || name} multiplies.`;
    } catch (err) {
      this.note.textContent = err.message;
    }
  }

  async measure() {
    this.button.disabled = true;
    this.note.textContent = 'Measuring (a batch of 64 images, best of 5 turns each)…';
    try {
      const info = await this.app.call('backends', { measure: true });
      this.show(info);
      const speeds = Object.values(info.speeds).map((s) => s.ms_per_batch);
      const ratio = Math.max(...speeds) / Math.min(...speeds);
      this.note.textContent = `Measured on the ${info.network} network: the fastest engine is ${ratio.toFixed(1)}× the slowest.`;
    } catch (err) {
      this.note.textContent = err.message;
    } finally {
      this.button.disabled = false;
    }
  }

  show(info) {
    const radios = info.available.map((name) => {
      const label = document.createElement('label');
      const input = document.createElement('input');
      Object.assign(input, { type: 'radio', name: 'engine', value: name, checked: name === info.active });
      label.append(input, ` ${LABELS[name] || name}`);
      return label;
    });
    this.choice.replaceChildren(this.choice.querySelector('legend'), ...radios);
    if (!info.available.includes('kernel') && info.kernel_error) {
      const p = document.createElement('p');
      p.className = 'muted';
      p.textContent = `No WebAssembly kernel here: ${info.kernel_error}`;
      this.choice.append(p);
    }
    if (info.speeds) {
      const rows = Object.entries(info.speeds).map(([name, s]) => {
        const tr = document.createElement('tr');
        tr.dataset.engine = name;
        for (const text of [LABELS[name] || name, s.ms_per_batch.toFixed(2), Math.round(s.examples_per_s).toLocaleString()]) {
          const td = document.createElement('td');
          td.textContent = text;
          tr.append(td);
        }
        return tr;
      });
      this.table.tBodies[0].replaceChildren(...rows);
      this.table.hidden = false;
    }
  }
}

/** The glass-box view contract (glassbox.js): fills `card`, hears every event through `update`. */
export function mount(card, ctx) {
  return new BackendView(card, ctx);
}
