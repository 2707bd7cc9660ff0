// The glass-box section: one folding card per view of the inside of the network. Each view is a
// module in this folder with the page's view contract (`mount(card, ctx)` returning
// `{update(event, state)}`); this module only makes the cards (widgets/card.js), mounts each
// view with the page's context and keeps the cards' "Model: ..." lines. Every number shown is
// computed by glassnet's Python through the worker.

import * as backend from './backend.js';
import * as inspect from './inspect.js';
import * as mistakes from './mistakes.js';
import * as runs from './runs.js';
import * as share from './share.js';
import * as stepper from './stepper.js';
import * as teach from './teach.js';
import * as weights from './weights.js';
import { makeCard, nameActiveModel } from '../widgets/card.js';

// A new view: its module in this folder, and one line here. `model`: the card names the model
// it shows; `wide`: the card spans the grid.
const VIEWS = [
  { id: 'weights-card', title: 'Weights as pictures', wide: true, model: true, view: weights },
  { id: 'inspect-card', title: 'Inside a prediction', model: true, view: inspect },
  { id: 'teach-card', title: 'Teach it with your drawings', model: true, view: teach },
  { id: 'mistakes-card', title: 'Where it goes wrong', wide: true, model: true, view: mistakes },
  { id: 'step-card', title: 'Step through backpropagation', wide: true, view: stepper },
  { id: 'runs-card', title: 'Compare runs', wide: true, view: runs },
  { id: 'share-card', title: 'Share this experiment', wide: true, view: share },
  { id: 'engine-card', title: 'How fast is the arithmetic?', view: backend },
];

const INTRO = `
  <div class="glass-intro">
    <h2 id="glass-heading"><span class="step">6</span> Look inside the network</h2>
    <p class="explain">The same Python that trains the network also opens it up: what each unit
      has learned, what happens inside one guess, where it goes wrong, and how one training step
      moves every layer. Each panel can be folded away.</p>
  </div>
  <div class="glass-grid"></div>`;

/**
 * @param {HTMLElement} root  an empty element below the page's sections
 * @param {object} ctx  the page's view context (app.js)
 * @returns the section as one view: update(event, state)
 */
export function mount(root, ctx) {
  root.innerHTML = INTRO;
  root.setAttribute('aria-labelledby', 'glass-heading');
  const grid = root.querySelector('.glass-grid');
  const views = VIEWS.map(({ view, ...spec }) => {
    const card = makeCard(spec);
    grid.append(card);
    return view.mount(card, ctx);
  });

  // A test image in this section (a confusion cell's, a mistake) opens "Inside a prediction",
  // as one picked anywhere else on the page does (the gallery's {event: 'test-image'}).
  root.addEventListener('click', (e) => {
    const tile = e.target.closest('.tile[data-index]');
    if (tile) ctx.publish({ event: 'test-image', index: Number(tile.dataset.index) });
  });

  return {
    update(event, state) {
      if (event.event === 'shelf') nameActiveModel(root, state);
      for (const view of views) view.update(event, state);
    },
  };
}
