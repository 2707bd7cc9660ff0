// Section 4, "Try it: draw": the drawing pad and the active model's guess for the drawing, judged
// again whenever the drawing or the model changes.

import { DrawingPad } from '../widgets/canvas.js';
import { coalesced } from '../page/coalesce.js';
import { PredictionView } from '../widgets/prediction.js';
import { nameActiveModel } from '../widgets/card.js';
import { getState } from '../page/status.js';
import { publish, read } from '../page/store.js';

// Events after which the model may guess differently.
const MODEL_MOVED = ['ready', 'epoch', 'done', 'stopped', 'model', 'edited'];

/**
 * @param {HTMLElement} root  the drawing section
 * @param {{call: Function, timings: object}} ctx  the page context (app.js); timings gets the last round trip (predictMs)
 * @returns the view, and `pad` (the glass box reads the drawing too)
 */
export function mount(root, { call, timings }) {
  const $ = (id) => root.querySelector(`#${id}`);
  const prediction = new PredictionView($('prediction'), $('model-input'));

  /** At most one prediction in flight; the latest drawing always gets judged (coalesce.js). */
  const judge = coalesced(async () => {
    if (getState() === 'loading' || getState() === 'error') return;
    const { hasModel } = read();
    if (pad.empty) {
      prediction.clear(hasModel ? 'Draw something to see a guess.' : 'Train or load a model, then draw.');
      return;
    }
    if (!hasModel) {
      prediction.clear('No model yet: press Train (or load a model) and draw again.');
      return;
    }
    try {
      const { pixels, width, height } = pad.pixels();
      const asked = performance.now();
      const result = await call('predict_drawing', { pixels: pixels.buffer, width, height, channels: 4 }, [pixels.buffer]);
      timings.predictMs = performance.now() - asked; // round trip, for people measuring the page
      if (!pad.empty) prediction.show(result);
    } catch (err) {
      prediction.clear(err.message);
    }
  });

  const pad = new DrawingPad($('canvas'), judge);
  // A finished stroke, Clear or the example: other views looking at the drawing follow it.
  const drawn = () => setTimeout(() => publish({ event: 'drawing' }), 0);
  $('canvas').addEventListener('pointerup', drawn);
  $('clear').addEventListener('click', () => { pad.clear(); drawn(); });
  $('brush').addEventListener('input', (e) => { pad.brush = Number(e.target.value); });
  $('draw-example').addEventListener('click', () => { pad.drawExample(); drawn(); });
  prediction.setClasses(read().classes);

  return {
    pad,
    update(event, state) {
      if (event.event === 'shelf') nameActiveModel(root, state);
      if (event.event === 'schema' || event.event === 'data') prediction.setClasses(state.classes);
      if (MODEL_MOVED.includes(event.event)) judge();
    },
  };
}
