// The glass-box section: one folding card per view of the inside of the network. Each view lives
// in its own module with the page's view shape (a card it fills, `update(event, state)`), and
// follows the page's event stream (store.js); this module only builds the cards, hands each view
// its context, and keeps the cards' "Model: ..." lines. Every number shown is computed by
// glassnet's Python through the worker.

import { BackendView } from './backend.js';
import { InspectView } from './inspect.js';
import { MistakesView } from './mistakes.js';
import { RunsView } from './runs.js';
import { ShareView } from './share.js';
import { nameActiveModel } from '../sections/shelf.js';
import { Stepper } from './stepper.js';
import { change, publish, read } from '../page/store.js';
import { TeachView } from './teach.js';
import { WeightsView } from './weights.js';

// A new view: its module, and one line here. `model`: the card names the model it shows.
const VIEWS = [
  { id: 'weights-card', title: 'Weights as pictures', wide: true, model: true, View: WeightsView },
  { id: 'inspect-card', title: 'Inside a prediction', model: true, View: InspectView },
  { id: 'teach-card', title: 'Teach it with your drawings', model: true, View: TeachView },
  { id: 'mistakes-card', title: 'Where it goes wrong', wide: true, model: true, View: MistakesView },
  { id: 'step-card', title: 'Step through backpropagation', wide: true, View: Stepper },
  { id: 'runs-card', title: 'Compare runs', wide: true, View: RunsView },
  { id: 'share-card', title: 'Share this experiment', wide: true, View: ShareView },
  { id: 'engine-card', title: 'How fast is the arithmetic?', View: BackendView },
];

function buildSection(container) {
  container.innerHTML = `
    <div class="glass-intro">
      <h2 id="glass-heading"><span class="step">6</span> Look inside the network</h2>
      <p class="explain">The same Python that trains the network also opens it up: what each unit
        has learned, what happens inside one guess, where it goes wrong, and how one training step
        moves every layer. Each panel can be folded away.</p>
    </div>
    <div class="glass-grid"></div>`;
  container.setAttribute('aria-labelledby', 'glass-heading');
  const grid = container.querySelector('.glass-grid');
  return VIEWS.map(({ id, title, wide, model }) => {
    const card = document.createElement('details');
    card.className = `card glass-card${wide ? ' wide' : ''}`;
    card.id = id;
    card.open = true;
    const summary = document.createElement('summary');
    const h3 = document.createElement('h3');
    h3.textContent = title;
    summary.append(h3);
    card.append(summary);
    if (model) card.insertAdjacentHTML('beforeend', '<p class="model-note muted" data-active-model></p>');
    grid.append(card);
    return card;
  });
}

/**
 * @param {HTMLElement} container  an empty element below the page's sections
 * @param {object} deps  call(name, kwargs, transfer) (the worker), controls (the settings form),
 *   pad (the drawing), setStatus, showError, codeLink(piece, label) (a link into the code panel)
 * @returns the section as one view: update(event, state)
 */
export function mountGlassbox(container, deps) {
  const cards = buildSection(container);
  // What every glass-box view may use: the deps, plus ways to tell the page what it did.
  const app = {
    ...deps,
    /** Puts a config into the form (and so into the link); `source` names where it came from. */
    fillControls(config, source = '') {
      if (config.preset) deps.controls.fillFromPreset(config.preset);
      deps.controls.setValues(config);
      deps.controls.setSource(source);
      deps.controls.changed();
    },
    /** A network for stepping started (no training loop). */
    stepping(result) {
      publish({ event: 'stepping', result });
    },
    /** The active network's weights changed here (a step, a fine-tune); `note` says how. */
    edited(note) {
      change({ hasModel: true }, { event: 'edited', note });
    },
  };
  const views = VIEWS.map(({ View }, i) => new View(cards[i], app));
  const inspect = views[VIEWS.findIndex((v) => v.View === InspectView)];

  // A test image in this section (a confusion cell's, a mistake) or anywhere else on the page
  // ({event: 'test-image'}, from the gallery) opens "Inside a prediction".
  const look = (index) => { if (read().hasModel) inspect.inspectTest(index); };
  container.addEventListener('click', (e) => {
    const tile = e.target.closest('.tile[data-index]');
    if (tile) look(Number(tile.dataset.index));
  });

  return {
    update(event, state) {
      if (event.event === 'shelf') nameActiveModel(container, state);
      if (event.event === 'test-image') look(event.index);
      for (const view of views) view.update(event, state);
    },
  };
}
