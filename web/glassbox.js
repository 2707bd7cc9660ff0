// The glass-box section: builds its cards and keeps them in step with the page (training
// events, the page state, model changes). Each view lives in its own module; this one only
// wires them. Every number shown is computed by glassnet's Python through the worker.

import { BackendView } from './backend-view.js';
import { InspectView } from './inspect-view.js';
import { MistakesView } from './mistakes-view.js';
import { RunsView } from './runs.js';
import { ShareView } from './share.js';
import { Stepper } from './stepper.js';
import { TeachView } from './teach.js';
import { WeightsView } from './weights-view.js';
import { subscribe } from './store.js';

const CARDS = [
  // [id, title, extra class]
  ['weights-card', 'Weights as pictures', 'wide'],
  ['inspect-card', 'Inside a prediction', ''],
  ['teach-card', 'Teach it with your drawings', ''],
  ['mistakes-card', 'Where it goes wrong', 'wide'],
  ['step-card', 'Step through backpropagation', 'wide'],
  ['runs-card', 'Compare runs', 'wide'],
  ['share-card', 'Share this experiment', 'wide'],
  ['engine-card', 'How fast is the arithmetic?', ''],
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
  const cards = {};
  for (const [id, title, extra] of CARDS) {
    const card = document.createElement('details');
    card.className = `card glass-card ${extra}`.trim();
    card.id = id;
    card.open = true;
    const summary = document.createElement('summary');
    const h3 = document.createElement('h3');
    h3.textContent = title;
    summary.append(h3);
    card.append(summary);
    if (['weights-card', 'inspect-card', 'mistakes-card', 'teach-card'].includes(id)) {
      card.insertAdjacentHTML('beforeend', '<p class="model-note muted" data-active-model></p>');
    }
    grid.append(card);
    cards[id] = card;
  }
  cards['weights-card'].insertAdjacentHTML('beforeend', `
    <p class="explain">Each square is one unit of the first hidden layer: its 784 weights laid out
      like the 28×28 image. Red pixels make the unit fire, blue ones hold it back; watch shapes of
      clothes appear as it trains.</p>
    <label class="inline-label weights-switch"><input type="checkbox" class="weights-shared"> One colour scale for all pictures (compare strengths)</label>
    <p class="weights-caption muted"></p>
    <div class="weights-grid" data-testid="weights-view"><p class="empty">Train or load a model to see its weights.</p></div>`);
  return cards;
}

/**
 * @param {HTMLElement} container  an empty element below the page's sections
 * @param {object} page  what app.js shares: bridge(), session, controls, charts, pad, getState,
 *   setStatus, showError, schedulePrediction, describeModel, updateButtons
 */
export function mountGlassbox(container, page) {
  const cards = buildSection(container);
  const app = {
    ...page,
    call: (name, kwargs = {}, transfer = []) => page.bridge().call(name, kwargs, transfer),
  };
  let lastEpoch = 0;

  const weights = new WeightsView(cards['weights-card'], app);
  const inspect = new InspectView(cards['inspect-card'], app);
  const mistakes = new MistakesView(cards['mistakes-card'], app);
  const stepper = new Stepper(cards['step-card'], app);
  const teach = new TeachView(cards['teach-card'], app);
  const share = new ShareView(cards['share-card'], app);
  const runs = new RunsView(cards['runs-card'], app);
  const engine = new BackendView(cards['engine-card'], app);

  function modelChanged(note) {
    app.session.hasModel = true;
    weights.refresh();
    inspect.refresh();
    mistakes.markStale(note);
    page.updateButtons();
    page.schedulePrediction();
    page.refreshGallery?.();
  }

  Object.assign(app, {
    /** Puts a config into the form (and so into the link). */
    fillControls(config, source = '') {
      if (config.preset) page.controls.fillFromPreset(config.preset);
      page.controls.setValues(config);
      page.controls.setSource(source);
      share.writeHash();
    },
    runStartedForStepping(result) {
      mistakes.clear('The network is new: evaluate it once it has learned something.');
    },
    modelChangedByStep() {
      modelChanged('The network changed since the last evaluation: evaluate again.');
    },
    modelChangedByTeaching() {
      modelChanged('The network was fine-tuned: evaluate again to see the effect.');
    },
  });

  function updateButtons() {
    const state = page.getState();
    stepper.update(state);
    teach.update(state);
    const usable = state !== 'loading' && state !== 'error' && app.session.hasModel;
    mistakes.button.disabled = !usable || !app.session.data;
    inspect.drawingButton.disabled = !usable;
  }
  // The page state changes in one place (status.setState), which tells every subscriber.
  subscribe((event) => {
    if (event.event !== 'state') return;
    // Paused mid-epoch: show the weights and the inspected input as they are right now.
    if (event.state === 'paused' && event.previous !== 'paused') {
      weights.refresh();
      inspect.refresh();
    }
    updateButtons();
  });
  updateButtons();

  // Any test image on the page (gallery, confusion cell, mistakes) opens "Inside a prediction".
  const openTile = (tile) => {
    if (tile && tile.dataset.index !== undefined && app.session.hasModel) inspect.inspectTest(Number(tile.dataset.index));
  };
  document.addEventListener('click', (e) => openTile(e.target.closest('.tile[data-index]')));
  // Tiles are buttons (gallery.js): Enter and Space click them.
  return {
    onEvent(event) {
      runs.event(event);
      if (event.event === 'epoch') {
        lastEpoch = event.epoch;
        weights.refresh();
        inspect.refresh(); // the same input, seen by the network as it is now
      } else if (event.event === 'done' || event.event === 'stopped') {
        weights.refresh();
        inspect.refresh();
        mistakes.evaluate();
      }
    },
    onRunStarted(result) {
      lastEpoch = 0;
      runs.started(result.config, result.custom_code ?? []);
      mistakes.clear('Training… the matrix appears when the run ends (or press the button).');
      stepper.clearTable('Press Step (after pausing or stopping training) to fill this table.');
      weights.refresh();
      updateButtons();
    },
    onLearningRate(lr) {
      runs.learningRate(lr, lastEpoch);
    },
    onModelChanged() {
      weights.refresh();
      inspect.refresh();
      mistakes.clear('A different model: press the button to evaluate it.');
      updateButtons();
    },
    onReady() {
      for (const view of [inspect, mistakes, teach]) view.setClasses(app.session.classes);
      teach.showCount(0); // a (re)started Python holds no examples
      share.start();
      engine.refresh();
      if (app.session.hasModel) weights.refresh();
      updateButtons();
    },
    updateButtons,
  };
}
