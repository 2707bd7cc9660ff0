// Inside a prediction: every layer's activations for one input, and a saliency map (the
// gradient of one class's score with respect to each input pixel) laid over the input.
// Why: a prediction stops being magic when you see which units fired and which pixels mattered.

import { coalesced } from '../page/coalesce.js';
import { paintSaliency, paintStrip } from '../widgets/colormap.js';
import { paintImage } from '../widgets/prediction.js';
import { isProgress, read } from '../page/store.js';

const COLUMNS = 32;
// After these the same input may look different inside the network.
const MOVED = ['epoch', 'done', 'stopped', 'model', 'edited'];

function describeLayer(layer, classes, last) {
  const n = layer.values.length;
  if (last) {
    let top = 0;
    layer.values.forEach((v, i) => { if (v > layer.values[top]) top = i; });
    return `the ${n} class scores (highest: ${classes[top] ?? top})`;
  }
  const zeros = layer.values.filter((v) => v === 0).length;
  const off = zeros ? `, ${zeros} of them exactly zero (switched off)` : '';
  return `${n} values${off}`;
}

export class InspectView {
  /** @param {HTMLElement} card  @param {object} app  the page's glass-box context */
  constructor(card, app) {
    this.app = app;
    this.card = card;
    this.source = null; // {kind: 'drawing'} or {kind: 'test', index}
    this.refresh = coalesced(() => this.inspect());
    card.insertAdjacentHTML('beforeend', `
      <p class="explain">Pick an input: your drawing, or click any test image on this page. Each
        layer's values are shown as coloured cells (blue negative, white zero, red positive). The
        saliency map marks the pixels that would change the chosen class's score most.</p>
      <div class="button-row">
        <button type="button" class="inspect-drawing">Look inside my drawing</button>
      </div>
      <div class="button-row">
        <label class="inline-label" for="inspect-class">Saliency for the class</label>
        <select id="inspect-class" class="inspect-class"></select>
      </div>
      <p class="inspect-source empty">Nothing chosen yet.</p>
      <div class="inspect-pictures" hidden>
        <figure class="inspect-figure">
          <canvas class="inspect-input" width="28" height="28" role="img" aria-label="The input the network sees"></canvas>
          <figcaption>Input (28×28)</figcaption>
        </figure>
        <figure class="inspect-figure" data-testid="saliency">
          <canvas class="inspect-saliency" width="28" height="28" role="img" aria-label="Saliency map over the input"></canvas>
          <figcaption class="saliency-caption">Saliency</figcaption>
        </figure>
        <div class="inspect-guess"></div>
      </div>
      <div class="activations" data-testid="activations-view" aria-live="polite"></div>`);
    this.select = card.querySelector('.inspect-class');
    this.drawingButton = card.querySelector('.inspect-drawing');
    this.sourceLine = card.querySelector('.inspect-source');
    this.saliencyFigure = card.querySelector('[data-testid=saliency]');
    this.activationsEl = card.querySelector('.activations');
    this.guess = card.querySelector('.inspect-guess');
    this.setClasses(read().classes);
    this.drawingButton.addEventListener('click', () => this.inspectDrawing());
    this.select.addEventListener('change', () => this.refresh());
  }

  update(event, state) {
    const paused = event.event === 'state' && event.state === 'paused' && event.previous !== 'paused';
    if (MOVED.includes(event.event) || paused) this.refresh();
    // Looking at the drawing: follow it as it changes (after each stroke, Clear, the example).
    if (event.event === 'drawing' && this.source?.kind === 'drawing') this.refresh();
    if (event.event === 'ready') this.setClasses(state.classes);
    // A test image picked anywhere (a gallery tile, a confusion cell, a mistake): look inside it.
    if (event.event === 'test-image' && state.hasModel) this.inspectTest(event.index);
    if (isProgress(event)) return;
    this.drawingButton.disabled = ['loading', 'error'].includes(state.state) || !state.hasModel;
  }

  setClasses(names) {
    this.classes = names;
    const chosen = this.select.value;
    this.select.replaceChildren(new Option('the predicted one', ''),
      ...names.map((name, i) => new Option(name, String(i))));
    this.select.value = chosen;
  }

  inspectDrawing() {
    this.source = { kind: 'drawing' };
    this.select.value = '';
    this.refresh();
  }

  inspectTest(index) {
    this.source = { kind: 'test', index };
    this.select.value = '';
    this.refresh();
    this.card.scrollIntoView?.({ behavior: 'smooth', block: 'nearest' });
  }

  /** Asks Python for the activations and the saliency of the current source and class. */
  async inspect() {
    if (!this.source) return;
    const target = this.select.value === '' ? undefined : Number(this.select.value);
    let args;
    const transfer = [];
    if (this.source.kind === 'drawing') {
      if (this.app.pad.empty) {
        this.sourceLine.textContent = 'The drawing pad is empty: draw something in section 4 first.';
        return;
      }
      const { pixels, width, height } = this.app.pad.pixels();
      args = { pixels: pixels.buffer, width, height, channels: 4, target };
      transfer.push(pixels.buffer);
    } else {
      args = { test_index: this.source.index, target };
    }
    try {
      this.show(await this.app.call('inspect_input', args, transfer));
    } catch (err) {
      this.sourceLine.textContent = err.hint ? `${err.message} ${err.hint}` : err.message;
    }
  }

  show(result) {
    const names = this.classes;
    const which = this.source.kind === 'drawing' ? 'your drawing'
      : `test image ${this.source.index} (really: ${names[result.label] ?? result.label})`;
    this.sourceLine.textContent = `Looking at ${which}.`;
    this.sourceLine.classList.remove('empty');
    this.card.querySelector('.inspect-pictures').hidden = false;
    paintImage(this.card.querySelector('.inspect-input'), result.input, 255);
    paintSaliency(this.card.querySelector('.inspect-saliency'), result.input, result.saliency);
    this.saliencyFigure.dataset.target = String(result.target);
    this.card.querySelector('.saliency-caption').textContent = `Saliency for “${names[result.target]}”: red pixels push its score up, blue down`;
    this.select.options[0].textContent = `the predicted one (${names[result.top]})`;
    const p = result.probabilities[result.top];
    this.guess.textContent = `Guess: ${names[result.top]} (${Math.round(p * 100)}%)`;

    const rows = result.activations.map((layer, i) => {
      const last = i === result.activations.length - 1;
      const row = document.createElement('div');
      row.className = 'activation-row';
      row.dataset.type = layer.type;
      const label = document.createElement('p');
      label.className = 'activation-label';
      const strong = document.createElement('strong');
      strong.textContent = `Layer ${i + 1}: ${layer.type}`;
      label.append(strong, ` · ${describeLayer(layer, names, last)}`);
      const canvas = document.createElement('canvas');
      canvas.className = 'activation-strip';
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `Values of layer ${i + 1} (${layer.type})`);
      paintStrip(canvas, layer.values, last ? 10 : COLUMNS, last ? 22 : 10);
      row.append(label, canvas);
      if (last) {
        const names10 = document.createElement('p');
        names10.className = 'activation-classes';
        names10.textContent = names.map((n, k) => `${k + 1} ${n}`).join(' · ');
        row.append(names10);
      }
      return row;
    });
    this.activationsEl.replaceChildren(...rows);
  }
}

/** The glass-box view contract (glassbox.js): fills `card`, hears every event through `update`. */
export function mount(card, ctx) {
  return new InspectView(card, ctx);
}
