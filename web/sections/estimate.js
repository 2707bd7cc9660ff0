// Before Train: how long these settings take on this device. Python times a few batches of the
// network the settings describe (webapi.estimate); the line under the run buttons says it.

import { getState } from '../page/status.js';
import { read } from '../page/store.js';

const WAIT_MS = 400; // typing settles first: one estimate per pause, not per key

/** @param {HTMLElement} root  the element the estimate is written into  @param {{controls, call}} ctx  the page context (app.js) */
export function mount(root, { controls, call }) {
  let timer = null;
  let asked = 0;

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!read().data || !['ready', 'done'].includes(getState())) return;
      const mine = ++asked;
      try {
        const result = await call('estimate', { config: controls.config() });
        if (mine !== asked) return;
        root.textContent = `Estimated run time: ${result.text}.`;
        root.classList.toggle('warning', result.warning);
        root.dataset.seconds = String(result.seconds);
      } catch (err) {
        if (mine !== asked) return;
        root.textContent = '';
        delete root.dataset.seconds;
      }
    }, WAIT_MS);
  }
  controls.onChange(schedule);

  return {
    update(event) {
      // Timed on training batches: only once the training images are in can it say how long
      // Train takes.
      if (['ready', 'done'].includes(event.event) || (event.event === 'data' && event.part === 'training')) schedule();
    },
  };
}
