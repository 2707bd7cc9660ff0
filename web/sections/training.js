// The training run (section 3's buttons, section 2's form): Train, Pause/Resume, Stop, Reset, a
// learning-rate change during a run, which of those buttons work in each state, and the status
// line while a run goes. Python runs the run; this module asks for it and says what happens.

import { getState, hideError, setState, setStatus, showError } from '../page/status.js';
import { change, isProgress, isRunEnd, publish, read } from '../page/store.js';

const percent = (v) => `${(v * 100).toFixed(1)}%`;

/**
 * @param {HTMLElement} root  the live-view section (it holds the run buttons)
 * @param {{controls: object, call: Function, request: Function}} ctx  the page context (app.js); controls: the settings
 *   form (controls.js); call/request: the worker (boot.js)
 */
export function mount(root, { controls, call, request }) {
  const $ = (id) => root.querySelector(`#${id}`);
  const running = () => ['training', 'paused'].includes(getState());

  /** The run buttons follow the state, the data and the model. */
  function buttons() {
    const state = getState();
    const { data } = read();
    const busy = state === 'loading' || state === 'error';
    $('train').disabled = busy || running() || !data?.train; // waits for the training images
    $('pause').disabled = !running();
    $('pause').textContent = state === 'paused' ? 'Resume' : 'Pause';
    $('pause').setAttribute('aria-pressed', String(state === 'paused'));
    $('stop').disabled = !running();
    $('reset').disabled = busy || !data;
    controls.setTraining(running());
  }

  /** A settings error goes next to its field (and to the status line); others to the banner. */
  function showSettingError(err) {
    const option = err.option && controls.option(err.option);
    if (option && controls.showFieldError(err.option, err.message)) {
      setStatus(`${option.label}: ${err.message}.`);
      showError({ message: `${option.label}: ${err.message}`, hint: err.hint }, 'Fix the setting and press Train again.');
      controls.input(err.option).focus();
    } else {
      showError(err, '', $('train'));
    }
  }

  async function train() {
    hideError();
    controls.clearFieldErrors();
    const config = controls.config();
    $('train').disabled = true;
    try {
      const result = await request('train', { config });
      const resolved = result.config;
      const runs = read().runs + 1;
      change({
        run: { epochs: resolved.epochs, stepsPerEpoch: result.steps_per_epoch, batchSize: resolved.batch_size },
        runs, hasModel: true,
      });
      document.documentElement.dataset.run = String(runs); // tells one run from the next
      publish({ event: 'run', result }); // charts, table, run record and glass box start afresh
      setState('training');
      if (window.scrollY > 0) window.scrollTo({ top: 0 }); // the live view is the first screen
      setStatus(`Training: showing the network ${read().data.train.toLocaleString('en')} images, ${resolved.batch_size} at a time, ${resolved.epochs} times over.`);
    } catch (err) {
      showSettingError(err);
      buttons();
    }
  }

  async function togglePause() {
    try {
      if (getState() === 'training') {
        $('pause').disabled = true;
        await request('pause');
        if (getState() === 'training') {
          setState('paused');
          setStatus('Paused. Press Resume to go on, or draw to test the network as it is now.');
        }
      } else if (getState() === 'paused') {
        await request('resume');
        setState('training');
        setStatus('Training…');
      }
    } catch (err) {
      showError(err, '', $('pause'));
    } finally {
      buttons();
    }
  }

  async function stop() {
    $('stop').disabled = true;
    try {
      await request('stop'); // the "stopped" event moves the page to "done"
      if (running()) setState('done');
    } catch (err) {
      showError(err, '', $('stop'));
      buttons();
    }
  }

  /** Reset: a fresh, untrained network from the current settings and seed (the trained one stays
   * on the shelf), and empty charts. */
  async function reset() {
    if (running()) await stop();
    change({ run: null }, { event: 'reset' });
    hideError();
    controls.clearFieldErrors();
    try {
      const result = await call('start', { config: controls.config(), kind: 'step', name: 'Fresh network (Reset)' });
      setState('ready');
      setStatus(`Reset: a fresh network (${result.summary}) from the settings, seed ${result.config.seed}. It has not learned anything yet; the trained one stays in the model list.`);
    } catch (err) {
      setState('ready');
      showSettingError(err);
    }
  }

  async function changeLearningRate() {
    if (!running()) return;
    try {
      const { lr } = await call('set_learning_rate', { lr: controls.learningRate() });
      setStatus(`Learning rate set to ${lr}; it applies from the next batch.`);
      publish({ event: 'lr', lr }); // marked on the loss chart and in the run's record
    } catch (err) {
      showSettingError(err);
    }
  }

  /** How a run ended, in words; the page is "done" either way. */
  function ended(event) {
    setState('done');
    if (event.event === 'done') {
      setStatus(`Done: after ${event.epochs} epoch${event.epochs === 1 ? '' : 's'} the network names ${percent(event.test_accuracy)} of the test images correctly. Draw something, or look at the test images.`);
    } else if (event.event === 'stopped') {
      setStatus(`Stopped during epoch ${event.epoch}. The network keeps what it learned so far: draw something to try it.`);
    } else {
      setStatus('Training stopped with an error.');
      showError(event);
    }
  }

  $('train').addEventListener('click', train);
  $('pause').addEventListener('click', togglePause);
  $('stop').addEventListener('click', stop);
  $('reset').addEventListener('click', reset);
  controls.form.addEventListener('change', (e) => { if (e.target.name === 'lr') changeLearningRate(); });
  controls.form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!$('train').disabled) train();
  });

  return {
    train,
    update(event) {
      if (event.event === 'schema') controls.setSchema(event.schema);
      if (event.event === 'epoch') {
        setStatus(`Epoch ${event.epoch} of ${event.epochs} done: it names ${percent(event.test_accuracy)} of the test images correctly.${getState() === 'paused' ? ' (paused)' : ''}`);
      }
      if (isRunEnd(event)) ended(event);
      else if (!isProgress(event)) buttons();
    },
  };
}
