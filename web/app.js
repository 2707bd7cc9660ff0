// Wires the page together: boots the worker, feeds it data and the pretrained model, turns
// buttons into requests and training events into charts, table, predictions and gallery.
//
// Every failure becomes a visible message (status.js) and the page stays usable: a bad file
// leaves the last good data in place, a crashed worker can be reloaded.

import { Bridge } from './bridge.js';
import { Charts } from './charts.js';
import { DrawingPad } from './canvas.js';
import { Controls } from './controls.js';
import { DataProblem, fetchSiteFiles, readPickedFiles, TEST_KEYS } from './data.js';
import { RunProgress } from './epochs.js';
import { Gallery } from './gallery.js';
import { PredictionView } from './prediction.js';
import { getState, hideError, onReloadWorker, setState, setStatus, showError, statusText } from './status.js';
import { mountGlassbox } from './glassbox.js';
import { ShelfView } from './shelf-view.js';
import { ShelfKeeper } from './shelf-keeper.js';
import { startOfflineStatus } from './offline-status.js';
import { TrainingDownload } from './training-data.js';
import { mountClassroom } from './classroom.js';
import { followUpdates, latestBuild } from './update.js';
import { mountCodePanel } from './code-panel.js';
import { download } from './download.js';
import { coalesced } from './coalesce.js';
import { publish } from './store.js';

// Class names come from Python (webapi.options()); until then there are none to show.
const CLASS_NAMES = [];

const $ = (id) => document.getElementById(id);
const timings = { start: performance.now() };

const session = {
  manifest: null,
  data: null, // {train, test, classes} once loaded
  dataSource: null, // {kind: 'site'} or {kind: 'files', files} so a reloaded worker can reload it
  modelBytes: null, // the last model loaded from a file or the site, for a reloaded worker
  modelName: null, // where it came from, in words
  hasModel: false,
  classes: CLASS_NAMES,
  run: null, // {epochs, stepsPerEpoch} of the current training run
  gallerySeed: 0,
  runs: 0, // training runs started on this page
};

const controls = new Controls();
const charts = new Charts($('chart-loss'), $('chart-accuracy'));
const progress = new RunProgress();
const prediction = new PredictionView($('prediction'), $('model-input'));
const gallery = new Gallery($('gallery'));
const pad = new DrawingPad($('canvas'), () => schedulePrediction());
const trainingDownload = new TrainingDownload($('data-summary'));
let bridge = null;
// Section 6: views of the inside of the network, in their own modules.
const glassbox = mountGlassbox($('glassbox'), {
  bridge: () => bridge, session, controls, charts, pad, getState, setStatus, showError,
  schedulePrediction: () => schedulePrediction(), describeModel: (r) => r.summary,
  updateButtons: () => updateButtons(), refreshGallery: () => refreshGallery(),
});

// Copies of the finished models, so a restarted Python gets the shelf back.
const keeper = new ShelfKeeper((name, kwargs) => bridge.call(name, kwargs));
const shelfView = new ShelfView($('model-shelf-view'), {
  call: (name, kwargs) => bridge.call(name, kwargs),
  onError: (err) => setStatus(err.message),
  canSwitch: () => !['loading', 'error', 'training', 'paused'].includes(getState()),
});

// Section 7 (issue 14): the real source, students' versions of it, exercises.
const codePanel = mountCodePanel($('code'), {
  request: (type, args = {}) => bridge.request(type, args), getState, setStatus, showError,
  train: () => train(), restartPython: (note) => reloadWorker(note),
});
prediction.setClasses(CLASS_NAMES);
gallery.message('Test images appear here once there is data and a model.');

// ---------------------------------------------------------------- buttons follow the state

function updateButtons() {
  const state = getState();
  const busy = state === 'loading' || state === 'error';
  const running = state === 'training' || state === 'paused';
  $('train').disabled = busy || running || !session.data?.train; // waits for the training images
  $('pause').disabled = !running;
  $('pause').textContent = state === 'paused' ? 'Resume' : 'Pause';
  $('pause').setAttribute('aria-pressed', String(state === 'paused'));
  $('stop').disabled = !running;
  $('reset').disabled = busy || !session.data;
  $('save-model').disabled = busy || !session.hasModel;
  $('model-file').disabled = busy || running;
  $('data-files').disabled = busy || running;
  $('gallery-refresh').disabled = busy || !session.data || !session.hasModel;
  controls.setTraining(running);
  shelfView.render();
}

function enter(state) {
  setState(state);
  updateButtons();
}

// ---------------------------------------------------------------- summaries

function showData(result) {
  session.data = result;
  session.classes = result.classes?.length ? result.classes : session.classes;
  prediction.setClasses(session.classes);
  gallery.setClasses(session.classes);
  $('data-summary').textContent = result.train
    ? `Fashion-MNIST: ${result.train.toLocaleString('en')} training images and ${result.test.toLocaleString('en')} test images, 28×28 pixels, 10 kinds of clothing.`
    : `Fashion-MNIST: ${result.test.toLocaleString('en')} test images are in (28×28 pixels, 10 kinds of clothing); the training images follow.`;
}

function readyText() {
  if (!session.data) return 'Ready. Add the four Fashion-MNIST files (section 1) to train.';
  if (!session.data.train) return 'Ready: draw, or look at the test images. Train unlocks when the training images are in (section 1).';
  if (session.hasModel) return 'Ready. Press Train to teach a new network, or draw to test the current one.';
  return 'Ready. Press Train to teach the network to recognise clothes.';
}

// ---------------------------------------------------------------- booting

async function readManifest() {
  let response;
  try {
    response = await fetch('./manifest.json', { cache: 'no-cache' });
  } catch (err) {
    throw new DataProblem('Could not read manifest.json.', 'Reload the page; if it keeps failing, the site is not being served: whoever hosts it can start it with python build.py serve.');
  }
  if (!response.ok) {
    throw new DataProblem(`manifest.json is missing (HTTP ${response.status}).`, 'This site is incomplete: whoever hosts it can rebuild it (python build.py).');
  }
  return response.json();
}

// Anything a reload would lose: then a new build waits for the person's go (update.js).
let interacted = false;
for (const kind of ['pointerdown', 'keydown']) document.addEventListener(kind, () => { interacted = true; }, { once: true, capture: true });
const isBusy = () => interacted || session.runs > 0 || !['loading', 'ready'].includes(getState());

async function fetchModel(manifest) {
  if (!manifest.model) return null;
  const response = await fetch(manifest.model);
  if (!response.ok) throw new DataProblem(`Could not download the pretrained model ${manifest.model} (HTTP ${response.status}).`, 'Train a model instead, or rebuild the site.');
  return response.arrayBuffer();
}

function startWorker() {
  bridge = new Bridge(new URL('./worker.js', import.meta.url), {
    onEvent: handleEvent,
    onProgress: ({ message, stage }) => {
      const steps = { python: 1, numpy: 2, glassnet: 3, ready: 4 };
      $('load-progress').value = steps[stage] ?? 0;
      setStatus(message);
    },
    onCrash: (err) => {
      glassbox.onEvent({ event: 'error', message: err.message, hint: err.hint }); // the run ends
      enter('error');
      setStatus('The Python worker stopped. Click "Reload worker" to start it again.');
      showError(err);
    },
  });
  window.glassnet = { bridge, timings, session, keeper };
}

/** Loads Python, then the data and model it needs; the page is "ready" at the end. */
async function boot() {
  enter('loading');
  $('load-progress').hidden = false;
  setStatus('Starting…');
  startWorker();
  const manifest = session.manifest ?? await readManifest();
  session.manifest = manifest;
  $('version').textContent = manifest.version ? `v${manifest.version}` : '';
  let siteDownloaded;
  // The worker registered is the latest build's (update.js), so a new build installs beside
  // this one and is used as a whole after a reload, never mixed into this load.
  const downloaded = new Promise((resolve) => { siteDownloaded = resolve; });
  latestBuild().then((build) => startOfflineStatus({ ...manifest, build: build ?? manifest.build }, downloaded))
    .then((registration) => followUpdates(registration, isBusy));

  // Downloads run while Python starts.
  const wheelUrl = new URL(manifest.glassnet_wheel, location.href).href;
  const dataPromise = loadDataBuffers(manifest).catch((err) => ({ error: err }));
  const modelPromise = (session.modelBytes ? Promise.resolve(session.modelBytes.slice(0)) : fetchModel(manifest))
    .catch((err) => ({ error: err }));

  const init = await bridge.request('init', { wheelUrl });
  timings.python = performance.now();
  timings.workerLoad = init.loadTimes;
  session.classes = init.options.classes;
  prediction.setClasses(session.classes);
  gallery.setClasses(session.classes);
  controls.setSchema(init.options);

  const model = await modelPromise;
  if (model && model.error) showError(model.error);
  else if (model) await installModel(model, session.modelName ?? 'Pretrained model', session.modelKind ?? 'pretrained');
  if (keeper.frozen) { // Python was restarted: the session's models come back before "ready"
    session.restoredModels = 0;
    try {
      session.restoredModels = await keeper.restore();
    } catch (err) {
      showError(err, 'The models of this session could not all be put back; the data and the first model are loaded.');
    }
  }

  setStatus('Reading the images…');
  const buffers = await dataPromise;
  if (buffers && buffers.error) {
    showError(buffers.error);
  } else if (buffers) {
    await sendData(buffers);
  } else {
    $('data-summary').textContent = 'This site was built without the data set. Add the four Fashion-MNIST .gz files below.';
  }
  $('load-progress').hidden = true;
  timings.ready = performance.now();
  enter('ready');
  setStatus(readyText());
  refreshGallery();
  schedulePrediction();
  glassbox.onReady();
  codePanel.onReady();
  scheduleEstimate();
  // The training images (26 MB) come after "ready"; the offline copy is saved after them, so the
  // service worker does not download the site a second time while the page does.
  const training = needsTrainingDownload(manifest)
    ? downloadTrainingSet(manifest) : Promise.resolve();
  training.finally(siteDownloaded);
}

function needsTrainingDownload(manifest) {
  return Boolean(manifest.data) && session.dataSource?.kind !== 'files' && session.data && !session.data.train;
}

async function downloadTrainingSet(manifest) {
  try {
    const result = await trainingDownload.start(manifest, (buffers) => bridge.call('load_training_set', {
      train_images: buffers.train_images, train_labels: buffers.train_labels,
    }, Object.values(buffers)));
    if (!result || session.dataSource?.kind === 'files') return;
    showData(result);
    // Only a plain "Ready…" line is refreshed: a note such as "Python was restarted…" stays.
    if (getState() === 'ready' && statusText().startsWith('Ready')) setStatus(readyText());
    updateButtons();
    glassbox.updateButtons(); // Step needs the training images
    scheduleEstimate(); // timed on training batches, so only now can it say how long Train takes
  } catch (err) {
    showError(err, 'Reload the page to try again, or pick the four Fashion-MNIST files.');
  }
}

async function loadDataBuffers(manifest) {
  if (session.dataSource?.kind === 'files') return readPickedFiles(session.dataSource.files);
  return fetchSiteFiles(manifest, TEST_KEYS); // the training half follows once the page is ready
}

/**
 * Hands the four ArrayBuffers (picked files), or the test half alone (the site's first step), to
 * the worker (transferred: the page keeps no copy).
 */
async function sendData(buffers) {
  setStatus('Checking the images…');
  const transfer = Object.values(buffers);
  const whole = Boolean(buffers.train_images);
  try {
    const result = await bridge.call(whole ? 'load_data' : 'load_test_set', {
      train_images: buffers.train_images,
      train_labels: buffers.train_labels,
      test_images: buffers.test_images,
      test_labels: buffers.test_labels,
    }, transfer);
    showData(result);
    return true;
  } catch (err) {
    showError(err, 'Check the four Fashion-MNIST .gz files and pick them again.', $('data-files'));
    if (!session.data) {
      $('data-summary').textContent = 'No usable data yet. Add the four Fashion-MNIST .gz files below.';
    }
    return false;
  }
}

async function installModel(bytes, where, kind = 'file') {
  const copy = bytes.slice(0); // keep one for a reloaded worker; the other is transferred
  try {
    await bridge.call('load_model', { data: bytes, name: where, kind }, [bytes]);
    session.modelBytes = copy;
    session.modelName = where;
    session.modelKind = kind;
    session.hasModel = true;
    return true;
  } catch (err) {
    showError(err, 'Use a .npz file saved by glassnet (the Save model button or the command line).', $('model-file'));
    return false;
  }
}

// ---------------------------------------------------------------- training

async function train() {
  hideError();
  controls.clearFieldErrors();
  const config = controls.config();
  $('train').disabled = true;
  try {
    const result = await bridge.request('train', { config });
    const resolved = result.config;
    const stepsPerEpoch = result.steps_per_epoch;
    session.run = { epochs: resolved.epochs, stepsPerEpoch };
    session.runs += 1;
    document.documentElement.dataset.run = String(session.runs); // tells one run from the next
    session.hasModel = true;
    charts.reset(stepsPerEpoch);
    progress.reset({ epochs: resolved.epochs, stepsPerEpoch, batchSize: resolved.batch_size });
    enter('training');
    if (window.scrollY > 0) window.scrollTo({ top: 0 }); // the live view is the first screen
    glassbox.onRunStarted(result);
    setStatus(`Training: showing the network ${session.data.train.toLocaleString('en')} images, ${resolved.batch_size} at a time, ${resolved.epochs} times over.`);
  } catch (err) {
    showSettingError(err);
    updateButtons();
  }
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

/** The shelf changed (Python's "shelf" event); when the active model changed, every view follows. */
function shelfChanged(event) {
  shelfView.update(event);
  keeper.update(event);
  const active = shelfView.active();
  session.hasModel = Boolean(active);
  session.activeModel = active;
  if (active) {
    const what = active.status === 'training' || active.status === 'new' ? (active.kind === 'run' ? 'Training' : 'Active') : 'Active';
    $('model-summary').textContent = `${what}: ${active.name} · ${active.summary}.`;
    for (const el of document.querySelectorAll('[data-active-model]')) el.textContent = `Model: ${active.name}`;
  }
  if (event.active_changed && getState() !== 'loading') {
    glassbox.onModelChanged(active);
    refreshGallery();
    schedulePrediction();
    updateButtons();
  }
}

function handleEvent(event) {
  if (event.event === 'shelf') {
    shelfChanged(event);
    return;
  }
  glassbox.onEvent(event);
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
      setStatus(`Epoch ${event.epoch} of ${event.epochs} done: it names ${(event.test_accuracy * 100).toFixed(1)}% of the test images correctly.${getState() === 'paused' ? ' (paused)' : ''}`);
      schedulePrediction(); // the drawing, judged by the model as it is now
      refreshGalleryNow();
      break;
    case 'done':
      progress.finish();
      enter('done');
      scheduleEstimate();
      setStatus(`Done: after ${event.epochs} epoch${event.epochs === 1 ? '' : 's'} the network names ${(event.test_accuracy * 100).toFixed(1)}% of the test images correctly. Draw something, or look at the test images.`);
      refreshGallery();
      schedulePrediction();
      break;
    case 'stopped':
      progress.finish();
      enter('done');
      setStatus(`Stopped during epoch ${event.epoch}. The network keeps what it learned so far: draw something to try it.`);
      refreshGallery();
      schedulePrediction();
      break;
    case 'error':
      progress.finish();
      enter('done');
      setStatus('Training stopped with an error.');
      showError(event);
      break;
    default:
      break;
  }
}

async function togglePause() {
  try {
    if (getState() === 'training') {
      $('pause').disabled = true;
      await bridge.request('pause');
      if (getState() === 'training') {
        enter('paused');
        setStatus('Paused. Press Resume to go on, or draw to test the network as it is now.');
      }
    } else if (getState() === 'paused') {
      await bridge.request('resume');
      enter('training');
      setStatus('Training…');
    }
  } catch (err) {
    showError(err, '', $('pause'));
  } finally {
    updateButtons();
  }
}

async function stop() {
  $('stop').disabled = true;
  try {
    await bridge.request('stop'); // the "stopped" event moves the page to "done"
    if (getState() === 'training' || getState() === 'paused') enter('done');
  } catch (err) {
    showError(err, '', $('stop'));
    updateButtons();
  }
}

/** Reset: a fresh, untrained network from the current settings and seed (the trained one stays
 * on the shelf), and empty charts. */
async function reset() {
  if (getState() === 'training' || getState() === 'paused') await stop();
  session.run = null;
  charts.reset(1);
  progress.reset({ epochs: 0, stepsPerEpoch: 1, batchSize: 1 });
  hideError();
  controls.clearFieldErrors();
  try {
    const result = await bridge.call('start', { config: controls.config(), kind: 'step', name: 'Fresh network (Reset)' });
    enter('ready');
    setStatus(`Reset: a fresh network (${result.summary}) from the settings, seed ${result.config.seed}. It has not learned anything yet; the trained one stays in the model list.`);
  } catch (err) {
    enter('ready');
    showSettingError(err);
  }
}

async function changeLearningRate() {
  if (getState() !== 'training' && getState() !== 'paused') return;
  try {
    const { lr } = await bridge.call('set_learning_rate', { lr: controls.learningRate() });
    setStatus(`Learning rate set to ${lr}; it applies from the next batch.`);
    charts.markLearningRate(lr);
    glassbox.onLearningRate(lr);
  } catch (err) {
    showSettingError(err);
  }
}

// ---------------------------------------------------------------- predictions and gallery

/** At most one prediction in flight; the latest drawing always gets judged (coalesce.js). */
const schedulePrediction = coalesced(async () => {
  if (!bridge || getState() === 'loading' || getState() === 'error') return;
  if (pad.empty) {
    prediction.clear(session.hasModel ? 'Draw something to see a guess.' : 'Train or load a model, then draw.');
    return;
  }
  if (!session.hasModel) {
    prediction.clear('No model yet: press Train (or load a model) and draw again.');
    return;
  }
  try {
    const { pixels, width, height } = pad.pixels();
    const asked = performance.now();
    const result = await bridge.call('predict_drawing', { pixels: pixels.buffer, width, height, channels: 4 }, [pixels.buffer]);
    timings.predictMs = performance.now() - asked; // round trip, for people measuring the page
    if (!pad.empty) prediction.show(result);
  } catch (err) {
    prediction.clear(err.message);
  }
});

let lastGallery = 0;

/** During training: the gallery follows the model, at most every few seconds. */
function refreshGalleryNow() {
  if (performance.now() - lastGallery < 3000) return;
  lastGallery = performance.now();
  refreshGallery();
}

async function refreshGallery(nextSeed = false) {
  if (!session.data || !session.hasModel) return;
  if (nextSeed) session.gallerySeed += 1;
  try {
    const model = session.activeModel?.id ?? '';
    gallery.show(await bridge.call('gallery', { count: 12, seed: session.gallerySeed }));
    $('gallery').dataset.model = model; // which model's verdicts the tiles show
  } catch (err) {
    gallery.message(err.message);
  }
}

// ---------------------------------------------------------------- files: data and models

async function useDataFiles(fileList) {
  if (!fileList || !fileList.length) return;
  hideError();
  let buffers;
  try {
    buffers = await readPickedFiles(fileList);
  } catch (err) {
    showError(err, '', $('data-files'));
    return;
  }
  const files = [...fileList];
  if (await sendData(buffers)) {
    session.dataSource = { kind: 'files', files };
    trainingDownload.cancel(); // the picked files replace the site's, including its training half
    refreshGallery();
  }
  setStatus(readyText());
  updateButtons();
}

async function saveModel() {
  try {
    download(await bridge.call('save_model'), 'glassnet-model.npz');
    setStatus('Model saved as glassnet-model.npz. Load it again with "Load model".');
  } catch (err) {
    showError(err, '', $('save-model'));
  }
}

// The largest honest model file (py/glassnet/modelio.py MAX_MODEL_BYTES, rounded up): a bigger
// file is refused before the page reads it into memory.
const MAX_MODEL_FILE_BYTES = 420 * 2 ** 20;

async function loadModelFile(file) {
  if (!file) return;
  hideError();
  if (file.size > MAX_MODEL_FILE_BYTES) {
    showError({ message: `${file.name} is ${(file.size / 2 ** 20).toFixed(0)} MB, larger than any model glassnet makes.`, hint: 'Pick a .npz file saved with the Save model button.' });
    return;
  }
  const bytes = await file.arrayBuffer();
  if (await installModel(bytes, file.name)) {
    session.run = null;
    setStatus(`Loaded ${file.name}. Draw something to try it. The previous model stays in the list.`);
  }
  updateButtons();
}

// ---------------------------------------------------------------- time estimate, theme

let estimateTimer = null;
let estimateAsked = 0;

/** Before Train: how long these settings take on this device (Python times a few batches). */
function scheduleEstimate() {
  clearTimeout(estimateTimer);
  estimateTimer = setTimeout(async () => {
    const el = $('time-estimate');
    if (!bridge || !session.data || !['ready', 'done'].includes(getState())) return;
    const asked = ++estimateAsked;
    try {
      const result = await bridge.call('estimate', { config: controls.config() });
      if (asked !== estimateAsked) return;
      el.textContent = `Estimated run time: ${result.text}.`;
      el.classList.toggle('warning', result.warning);
      el.dataset.seconds = String(result.seconds);
    } catch (err) {
      if (asked !== estimateAsked) return;
      el.textContent = '';
      delete el.dataset.seconds;
    }
  }, 400);
}
controls.onChange(scheduleEstimate);

function setTheme(theme) {
  if (theme === 'large') document.documentElement.dataset.theme = 'large';
  else delete document.documentElement.dataset.theme;
  $('theme').setAttribute('aria-pressed', String(theme === 'large'));
  try { localStorage.setItem('glassnet.theme', theme); } catch (_) { /* not kept: fine */ }
  charts.build();
  publish({ event: 'theme', theme }); // other charts follow (runs.js)
}
$('theme').addEventListener('click', () => setTheme(document.documentElement.dataset.theme === 'large' ? 'normal' : 'large'));
try {
  if (localStorage.getItem('glassnet.theme') === 'large') setTheme('large');
} catch (_) { /* storage blocked */ }

// Wide tables scroll inside their own box; on a phone a line under them says so.
for (const wrap of document.querySelectorAll('.table-wrap, .confusion-wrap')) {
  // A scrolling box is reachable from the keyboard (arrow keys scroll it) and named.
  wrap.tabIndex = 0;
  wrap.setAttribute('role', 'region');
  wrap.setAttribute('aria-label', wrap.querySelector('caption')?.textContent || 'Table');
  wrap.insertAdjacentHTML('afterend', '<p class="scroll-cue">Wide table: swipe sideways inside it to see every column.</p>');
}

// ---------------------------------------------------------------- wiring

$('train').addEventListener('click', train);
$('pause').addEventListener('click', togglePause);
$('stop').addEventListener('click', stop);
$('reset').addEventListener('click', reset);
$('config-form').addEventListener('change', (e) => { if (e.target.name === 'lr') changeLearningRate(); });
$('clear').addEventListener('click', () => pad.clear());
$('brush').addEventListener('input', (e) => { pad.brush = Number(e.target.value); });
$('draw-example').addEventListener('click', () => pad.drawExample());
$('gallery-refresh').addEventListener('click', () => refreshGallery(true));
$('save-model').addEventListener('click', saveModel);
$('model-file').addEventListener('change', (e) => {
  loadModelFile(e.target.files[0]).finally(() => { e.target.value = ''; });
});
$('data-files').addEventListener('change', (e) => {
  useDataFiles(e.target.files).finally(() => { e.target.value = ''; });
});
$('config-form').addEventListener('submit', (e) => {
  e.preventDefault();
  if (!$('train').disabled) train();
});

const drop = $('drop-zone');
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('dragging');
});
drop.addEventListener('dragleave', () => drop.classList.remove('dragging'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('dragging');
  if (!$('data-files').disabled) useDataFiles(e.dataTransfer.files);
});

/** Ends the worker (whatever it was doing) and boots a new one: data and last model come back. */
async function reloadWorker(note = '') {
  hideError();
  keeper.freeze(); // the new Python's start-up must not make it forget the old shelf
  bridge.terminate();
  session.hasModel = false;
  session.data = null;
  session.run = null;
  try {
    await boot();
    const models = session.restoredModels;
    if (note) {
      const what = models > 1 ? `the ${models} models of this session are` : (session.modelName ? `${session.modelName} is` : '');
      const kept = what ? ` The data is loaded again and ${what} back; a run in progress was lost.` : '';
      setStatus(`${note}${kept}`);
      codePanel.pythonRestarted(`${note}${kept}`);
    }
  } catch (err) {
    failBoot(err);
  }
}
onReloadWorker(() => reloadWorker());

function failBoot(err) {
  if (getState() === 'error' && bridge?.crashed) return; // the crash handler said it already
  enter('error');
  setStatus('The page could not start.');
  showError(err, 'Reload the page. If it fails again, the site may be incomplete: whoever hosts it can rebuild it (python build.py).');
  if (bridge) $('reload-worker').hidden = false;
}

boot().catch(failBoot);
mountClassroom().catch((err) => console.info('No class address to show:', err.message));
