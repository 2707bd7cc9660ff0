// Section 3, "Watch it learn": the live charts (charts.js) and the epoch table with the run's
// progress figures (epochs.js), fed by the training events.

import { Charts } from '../widgets/charts.js';
import { RunProgress } from '../widgets/epochs.js';

const EMPTY_RUN = { epochs: 0, stepsPerEpoch: 1, batchSize: 1 };

/** @param {HTMLElement} root  the live-view section */
export function mount(root) {
  const charts = new Charts(root.querySelector('#chart-loss'), root.querySelector('#chart-accuracy'));
  const progress = new RunProgress();

  function reset(run = EMPTY_RUN) {
    charts.reset(run.stepsPerEpoch);
    progress.reset(run);
  }

  return {
    update(event, state) {
      switch (event.event) {
        case 'batch':
          charts.addBatch(event);
          progress.batch(event);
          break;
        case 'sample':
          charts.addSample(event);
          break;
        case 'epoch':
          charts.addEpoch(event);
          progress.addEpoch(event);
          break;
        case 'done':
        case 'stopped':
        case 'error':
          progress.finish();
          break;
        case 'run':
          reset(state.run);
          break;
        case 'lr':
          charts.markLearningRate(event.lr);
          break;
        case 'theme':
          charts.build(); // colours and line widths of the new theme
          break;
        default:
          break;
      }
    },
    reset,
  };
}
