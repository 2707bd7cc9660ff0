// Section 5, "Test images": a handful of test images with the active model's verdicts, drawn
// again when the model changes (during a run at most every few seconds).

import { Gallery } from '../widgets/gallery.js';
import { nameActiveModel } from '../widgets/card.js';
import { getState } from '../page/status.js';
import { isProgress, publish, read } from '../page/store.js';

const COUNT = 12;
const DURING_RUN_MS = 3000; // during training the tiles follow the model, but calmly
const MODEL_MOVED = ['ready', 'done', 'stopped', 'model', 'edited'];

/** @param {HTMLElement} root  the gallery section  @param {{call: Function}} ctx  the page context (app.js) */
export function mount(root, { call }) {
  const box = root.querySelector('#gallery');
  const refreshButton = root.querySelector('#gallery-refresh');
  const gallery = new Gallery(box);
  let seed = 0;
  let last = 0;

  async function refresh(nextSeed = false) {
    const { data, hasModel, activeModel } = read();
    if (!data || !hasModel) return;
    if (nextSeed) seed += 1;
    try {
      gallery.show(await call('gallery', { count: COUNT, seed }));
      box.dataset.model = activeModel?.id ?? ''; // which model's verdicts the tiles show
    } catch (err) {
      gallery.message(err.message);
    }
  }

  function buttons() {
    const state = getState();
    const { data, hasModel } = read();
    refreshButton.disabled = state === 'loading' || state === 'error' || !data || !hasModel;
  }

  refreshButton.addEventListener('click', () => refresh(true));
  // A tile is a button (gallery.js): Enter and Space click it too. The glass box opens it.
  box.addEventListener('click', (e) => {
    const tile = e.target.closest('.tile[data-index]');
    if (tile) publish({ event: 'test-image', index: Number(tile.dataset.index) });
  });
  gallery.message('Test images appear here once there is data and a model.');

  return {
    update(event, state) {
      if (event.event === 'shelf') nameActiveModel(root, state);
      if (event.event === 'schema' || event.event === 'data') gallery.setClasses(state.classes);
      if (MODEL_MOVED.includes(event.event)) refresh();
      if (event.event === 'epoch' && performance.now() - last >= DURING_RUN_MS) {
        last = performance.now();
        refresh();
      }
      // Picked files replace the data: their images, once the page is past loading.
      if (event.event === 'data' && event.part === 'all' && state.state !== 'loading') refresh();
      if (!isProgress(event)) buttons();
    },
  };
}
