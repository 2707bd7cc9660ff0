// Teach with your own drawings: add the drawing with the label it should get, fine-tune the
// network on those examples for a few steps (in Python), then see the guess change.
// Why: students see that a network learns from examples, and that a few examples can move it.

import { getState } from '../page/status.js';
import { isProgress, read } from '../page/store.js';

export class TeachView {
  /** @param {HTMLElement} card  @param {object} app  the page's glass-box context */
  constructor(card, app) {
    this.app = app;
    this.card = card;
    this.busy = false;
    card.insertAdjacentHTML('beforeend', `
      <p class="explain">Draw in section 4, say what it is, and add it. Then fine-tune: the network
        takes a few small steps on your examples (mixed with some real images, so it does not
        forget the rest) and guesses your drawing again.</p>
      <div class="button-row">
        <label class="inline-label" for="teach-label">This drawing is a</label>
        <select id="teach-label" class="teach-label"></select>
        <button type="button" class="teach-add" data-testid="teach-add">Add as example</button>
      </div>
      <div class="button-row">
        <label class="inline-label" for="teach-steps">Steps</label>
        <input id="teach-steps" class="teach-steps" type="number" min="1" step="1">
        <button type="button" class="primary teach-tune" data-testid="teach-tune">Fine-tune</button>
        <button type="button" class="teach-undo" data-testid="model-undo" disabled>Undo fine-tune</button>
        <button type="button" class="quiet teach-clear">Forget my examples</button>
      </div>
      <p class="teach-count muted">No examples yet.</p>
      <p class="teach-result" data-testid="teach-result" aria-live="polite"></p>`);
    this.label = card.querySelector('.teach-label');
    this.addButton = card.querySelector('.teach-add');
    this.tuneButton = card.querySelector('.teach-tune');
    this.clearButton = card.querySelector('.teach-clear');
    this.undoButton = card.querySelector('.teach-undo');
    this.undoButton.addEventListener('click', () => this.undo());
    this.count = card.querySelector('.teach-count');
    this.result = card.querySelector('.teach-result');
    this.examples = 0;
    this.setClasses(read().classes);
    if (read().schema) this.setSteps(read().schema.fine_tune);
    this.addButton.addEventListener('click', () => this.add());
    this.tuneButton.addEventListener('click', () => this.tune());
    this.clearButton.addEventListener('click', () => this.clear());
  }

  /** The steps field's default and upper bound: Python's (webapi.options().fine_tune). */
  setSteps({ steps, max_steps: most }) {
    const field = this.card.querySelector('.teach-steps');
    field.max = String(most);
    if (!field.value) field.value = String(steps);
  }

  setClasses(names) {
    const chosen = this.label.value || '0';
    this.label.replaceChildren(...names.map((n, i) => new Option(n, String(i))));
    this.label.value = chosen;
  }

  update(event, state) {
    if (event.event === 'schema') this.setSteps(event.schema.fine_tune);
    if (event.event === 'ready') {
      this.setClasses(state.classes);
      this.showCount(0); // a (re)started Python holds no examples
    }
    if (!isProgress(event)) this.buttons(state.state);
  }

  buttons(state = getState()) {
    const ok = !this.busy && state !== 'loading' && state !== 'error' && state !== 'training';
    const { hasModel, activeModel: active } = read();
    this.addButton.disabled = !ok;
    this.tuneButton.disabled = !ok || !this.examples || !hasModel;
    this.clearButton.disabled = !ok || !this.examples;
    this.undoButton.disabled = !ok || !(active && active.kind === 'fine-tune' && active.parent);
  }

  setBusy(busy) {
    this.busy = busy;
    this.buttons();
  }

  showCount(n) {
    this.examples = n;
    this.count.textContent = n ? `${n} example${n === 1 ? '' : 's'} of your own.` : 'No examples yet.';
    this.buttons();
  }

  async add() {
    if (this.app.pad.empty) {
      this.result.textContent = 'Draw something in section 4 first.';
      return;
    }
    const { pixels, width, height } = this.app.pad.pixels();
    this.setBusy(true);
    try {
      const r = await this.app.call('add_example', { pixels: pixels.buffer, width, height, channels: 4, label: Number(this.label.value) }, [pixels.buffer]);
      this.showCount(r.examples);
      this.result.textContent = `Added as ${this.label.selectedOptions[0].textContent}.`;
    } catch (err) {
      this.result.textContent = err.hint ? `${err.message}. ${err.hint}` : err.message;
    } finally {
      this.setBusy(false);
    }
  }

  async guess() {
    if (this.app.pad.empty) return null;
    const { pixels, width, height } = this.app.pad.pixels();
    return this.app.call('predict_drawing', { pixels: pixels.buffer, width, height, channels: 4 }, [pixels.buffer]);
  }

  async tune() {
    const limits = read().schema.fine_tune;
    const steps = Math.max(1, Math.min(limits.max_steps, Math.round(Number(this.card.querySelector('.teach-steps').value) || limits.steps)));
    this.setBusy(true);
    this.result.textContent = 'Fine-tuning…';
    try {
      const before = await this.guess().catch(() => null);
      const r = await this.app.call('fine_tune', { steps, lr: limits.lr });
      const after = await this.guess().catch(() => null);
      const names = read().classes;
      const loss = r.losses.length ? ` Loss on your examples: ${r.losses[0].toFixed(3)} → ${r.losses[r.losses.length - 1].toFixed(3)}.` : '';
      const said = (g) => `${names[g.top]} (${Math.round(g.probabilities[g.top] * 100)}%)`;
      const change = before && after ? ` Your drawing: ${said(before)} before, ${said(after)} now.` : '';
      this.result.textContent = `${steps} steps on ${r.examples} example${r.examples === 1 ? '' : 's'}.${loss}${change}`;
      if (after) this.result.dataset.after = names[after.top];
      if (r.losses.length) {
        this.result.dataset.firstLoss = String(r.losses[0]);
        this.result.dataset.lastLoss = String(r.losses[r.losses.length - 1]);
      }
      this.app.edited('The network was fine-tuned: evaluate again to see the effect.');
      this.result.textContent += ' The model before it stays in the list; "Undo fine-tune" goes back to it.';
    } catch (err) {
      this.result.textContent = err.hint ? `${err.message}. ${err.hint}` : err.message;
    } finally {
      this.setBusy(false);
    }
  }

  /** Back to the model before the last fine-tune (Python keeps it on the shelf). */
  async undo() {
    this.setBusy(true);
    try {
      const back = await this.app.call('undo');
      this.result.textContent = `Undone: back to “${back.name}”.`;
    } catch (err) {
      this.result.textContent = err.hint ? `${err.message}. ${err.hint}` : err.message;
    } finally {
      this.setBusy(false);
    }
  }

  async clear() {
    try {
      const r = await this.app.call('clear_examples');
      this.showCount(r.examples);
      this.result.textContent = 'Your examples are forgotten (what the network learned from them stays).';
    } catch (err) {
      this.result.textContent = err.message;
    }
  }
}

/** The glass-box view contract (glassbox.js): fills `card`, hears every event through `update`. */
export function mount(card, ctx) {
  return new TeachView(card, ctx);
}
