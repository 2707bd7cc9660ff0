// Weights as pictures: each first-layer unit's 784 incoming weights drawn as a 28x28 image.
// Why: a unit "looks for" a pattern; its weights, laid out like the image, show that pattern
// (a trouser leg, a collar) and change visibly while the network learns.

import { coalesced } from '../page/coalesce.js';
import { legend, paintDiverging } from '../widgets/colormap.js';

const LIMIT = 64;
// After these the weights are not what the pictures show any more.
const MOVED = ['epoch', 'done', 'stopped', 'run', 'model', 'edited'];

export class WeightsView {
  /** @param {HTMLElement} card  @param {{call: Function}} app  the glass-box context */
  constructor(card, app) {
    this.app = app;
    this.card = card;
    card.insertAdjacentHTML('beforeend', `
      <p class="explain">Each square is one unit of the first hidden layer: one weight per pixel, laid
        out like the image. Red pixels make the unit fire, blue ones hold it back; watch shapes of
        clothes appear as it trains.</p>
      <label class="inline-label weights-switch"><input type="checkbox" class="weights-shared"> One colour scale for all pictures (compare strengths)</label>
      <p class="weights-caption muted"></p>
      <div class="weights-grid" data-testid="weights-view"><p class="empty">Train or load a model to see its weights.</p></div>`);
    this.grid = card.querySelector('.weights-grid');
    this.caption = card.querySelector('.weights-caption');
    this.shared = card.querySelector('.weights-shared');
    this.shared.addEventListener('change', () => this.last && this.show(this.last));
    /** Fetches the weights from Python and redraws; at most one request in flight. */
    this.refresh = coalesced(async () => {
      try {
        this.show(await this.app.call('weights', { limit: LIMIT }));
      } catch (err) {
        this.message(err.message);
      }
    });
  }

  update(event, state) {
    // Paused mid-epoch: the weights as they are right now.
    const paused = event.event === 'state' && event.state === 'paused' && event.previous !== 'paused';
    if (MOVED.includes(event.event) || paused || (event.event === 'ready' && state.hasModel)) this.refresh();
  }

  show(view) {
    this.last = view;
    const shared = this.shared.checked;
    this.grid.dataset.scale = shared ? 'shared' : 'per-tile';
    const tiles = view.weights.map((w, i) => {
      const figure = document.createElement('figure');
      figure.className = 'weight-tile';
      const canvas = document.createElement('canvas');
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `Weights of unit ${i + 1}`);
      paintDiverging(canvas, w, shared ? view.scale : view.scales[i]);
      const caption = document.createElement('figcaption');
      caption.textContent = String(i + 1);
      figure.append(canvas, caption);
      return figure;
    });
    this.grid.replaceChildren(...tiles);
    this.grid.dataset.units = String(view.units);
    this.grid.dataset.shown = String(view.shown);
    this.grid.dataset.version = String(Number(this.grid.dataset.version || 0) + 1);
    const what = view.shown < view.units ? `the first ${view.shown} of ${view.units} units` : `all ${view.units} units`;
    this.caption.replaceChildren(...(shared
      ? [`First hidden layer, ${what}. One colour scale for all: `, legend(view.scale)]
      : [`First hidden layer, ${what}. Each picture uses its own colour scale (blue most negative, red most positive in that unit), so faint units show their shapes too.`]));
  }

  message(text) {
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = text;
    this.grid.replaceChildren(p);
    this.caption.textContent = '';
  }
}

/** The glass-box view contract (glassbox.js): fills `card`, hears every event through `update`. */
export function mount(card, ctx) {
  return new WeightsView(card, ctx);
}
