// Loading the page: the worker (Python, NumPy, glassnet), the option schema, the pretrained
// model and the data; the same again after a restart ("Reload worker", Stop in the code panel).
//
// Why one module: a restarted Python has lost everything, so whatever the page handed it (the
// data's source, the last model file, copies of the shelf's models) is remembered here and handed
// over again. The worker's events go into the page's one event stream (store.js); nothing here
// draws a view.

import { Bridge } from './bridge.js';
import { DataProblem, fetchSiteFiles, readPickedFiles, TEST_KEYS } from './data.js';
import { startOfflineStatus } from '../page/offline-status.js';
import { ShelfKeeper } from './shelf-keeper.js';
import { getState, hideError, readyText, setState, setStatus, showError, statusText } from '../page/status.js';
import { change, datasetTitle, publish, read } from '../page/store.js';
import { TrainingDownload } from './training-data.js';
import { followUpdates, latestBuild } from '../page/update.js';

const $ = (id) => document.getElementById(id);
const LOAD_STEPS = { python: 1, numpy: 2, glassnet: 3, ready: 4 };

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

async function fetchModel(manifest) {
  if (!manifest.model) return null;
  const response = await fetch(manifest.model);
  if (!response.ok) throw new DataProblem(`Could not download the pretrained model ${manifest.model} (HTTP ${response.status}).`, 'Train a model instead, or rebuild the site.');
  return response.arrayBuffer();
}

export class Loader {
  /** @param {{timings: object}} deps  timings: where the page's start-up figures go */
  constructor({ timings }) {
    this.timings = timings;
    this.bridge = null;
    this.manifest = null;
    this.dataSource = null; // {kind: 'site'} or {kind: 'files', files} so a new worker gets it again
    this.model = null; // {bytes, name, kind}: the last model loaded from a file or the site
    this.trainingDownload = new TrainingDownload($('data-summary'));
    // Copies of the finished models, so a restarted Python gets the shelf back.
    this.keeper = new ShelfKeeper((name, kwargs) => this.call(name, kwargs));
    this.restored = null; // after a restart: keeper.restore()'s {restored, total, failed}
    // Anything a reload would lose: then a new build waits for the person's go (update.js).
    this.interacted = false;
    for (const kind of ['pointerdown', 'keydown']) {
      document.addEventListener(kind, () => { this.interacted = true; }, { once: true, capture: true });
    }
  }

  /** A webapi function by name with keyword arguments (the worker's generic call). */
  call(name, kwargs = {}, transfer = []) {
    return this.bridge.call(name, kwargs, transfer);
  }

  /** A worker request by type (train, pause, stop, init...). */
  request(type, args = {}) {
    return this.bridge.request(type, args);
  }

  /** A shelf event from Python: the store learns the active model; views hear 'shelf' (and
   * 'model' when the active one changed after start-up). */
  shelfChanged(event) {
    this.keeper.update(event);
    const active = event.models.find((m) => m.active) ?? null;
    change({ hasModel: Boolean(active), activeModel: active }, event);
    if (event.active_changed && getState() !== 'loading') publish({ event: 'model', active });
  }

  isBusy() {
    return this.interacted || read().runs > 0 || !['loading', 'ready'].includes(getState());
  }

  startWorker() {
    this.bridge = new Bridge(new URL('./worker.js', import.meta.url), {
      onEvent: (event) => (event.event === 'shelf' ? this.shelfChanged(event) : publish(event)),
      onProgress: ({ message, stage }) => {
        $('load-progress').value = LOAD_STEPS[stage] ?? 0;
        setStatus(message);
      },
      onCrash: (err) => {
        publish({ event: 'crash', message: err.message, hint: err.hint }); // a run in progress ends
        setState('error');
        setStatus('The Python worker stopped. Click "Reload worker" to start it again.');
        showError(err);
      },
    });
    window.glassnet = { bridge: this.bridge, timings: this.timings, page: read(), keeper: this.keeper };
  }

  /** Loads Python, then the data and model it needs; the page is "ready" at the end. */
  async start() {
    setState('loading');
    $('load-progress').hidden = false;
    setStatus('Starting…');
    this.startWorker();
    const manifest = this.manifest ?? await readManifest();
    this.manifest = manifest;
    $('version').textContent = manifest.version ? `v${manifest.version}` : '';
    let siteDownloaded;
    // The worker registered is the latest build's (update.js), so a new build installs beside
    // this one and is used as a whole after a reload, never mixed into this load.
    const downloaded = new Promise((resolve) => { siteDownloaded = resolve; });
    latestBuild().then((build) => startOfflineStatus({ ...manifest, build: build ?? manifest.build }, downloaded))
      .then((registration) => followUpdates(registration, () => this.isBusy()));

    // Downloads run while Python starts.
    const wheelUrl = new URL(manifest.glassnet_wheel, location.href).href;
    const dataPromise = this.loadDataBuffers(manifest).catch((err) => ({ error: err }));
    const modelPromise = (this.model ? Promise.resolve(this.model.bytes.slice(0)) : fetchModel(manifest))
      .catch((err) => ({ error: err }));

    const init = await this.request('init', { wheelUrl, wheelSha256: manifest.glassnet_wheel_sha256 });
    this.timings.python = performance.now();
    this.timings.workerLoad = init.loadTimes;
    change({ schema: init.options, classes: init.options.classes }, { event: 'schema', schema: init.options });

    const model = await modelPromise;
    if (model && model.error) showError(model.error);
    else if (model) await this.installModel(model, this.model?.name ?? 'Pretrained model', this.model?.kind ?? 'pretrained');
    if (this.keeper.frozen) { // Python was restarted: the session's models come back before "ready"
      this.restored = null;
      try {
        this.restored = await this.keeper.restore();
      } catch (err) {
        showError(err, 'The models of this session could not all be put back; the data and the first model are loaded.');
      }
    }

    setStatus('Reading the images…');
    const buffers = await dataPromise;
    if (buffers && buffers.error) {
      showError(buffers.error);
    } else if (buffers) {
      await this.sendData(buffers);
    } else {
      publish({ event: 'data', problem: 'not built in' });
    }
    $('load-progress').hidden = true;
    this.timings.ready = performance.now();
    setState('ready');
    setStatus(readyText());
    publish({ event: 'ready' });
    // The training images (26 MB) come after "ready"; the offline copy is saved after them, so the
    // service worker does not download the site a second time while the page does.
    const training = this.needsTrainingDownload() ? this.downloadTrainingSet() : Promise.resolve();
    training.finally(siteDownloaded);
  }

  needsTrainingDownload() {
    const { data } = read();
    return Boolean(this.manifest.data) && this.dataSource?.kind !== 'files' && data && !data.train;
  }

  async downloadTrainingSet() {
    try {
      const result = await this.trainingDownload.start(this.manifest, (buffers) => this.call('load_training_set', {
        train_images: buffers.train_images, train_labels: buffers.train_labels,
      }, Object.values(buffers)));
      if (!result || this.dataSource?.kind === 'files') return;
      this.dataArrived(result, 'training');
      // Only a plain "Ready…" line is refreshed: a note such as "Python was restarted…" stays.
      if (getState() === 'ready' && statusText().startsWith('Ready')) setStatus(readyText());
    } catch (err) {
      showError(err, `Reload the page to try again, or pick the four ${datasetTitle()} files.`);
    }
  }

  loadDataBuffers(manifest) {
    if (this.dataSource?.kind === 'files') return readPickedFiles(this.dataSource.files);
    return fetchSiteFiles(manifest, TEST_KEYS); // the training half follows once the page is ready
  }

  /**
   * The data Python holds now ({train, test, classes}): into the store, and every view hears
   * which part came ('test': the site's first half, 'training': its second, 'all': both at once).
   */
  dataArrived(result, part) {
    const classes = result.classes?.length ? result.classes : read().classes;
    change({ data: { train: result.train, test: result.test }, classes }, { event: 'data', part });
  }

  /**
   * Hands the four ArrayBuffers (picked files), or the test half alone (the site's first step), to
   * the worker (transferred: the page keeps no copy). Returns whether Python took them.
   */
  async sendData(buffers) {
    setStatus('Checking the images…');
    const transfer = Object.values(buffers);
    const whole = Boolean(buffers.train_images);
    try {
      const result = await this.call(whole ? 'load_data' : 'load_test_set', {
        train_images: buffers.train_images,
        train_labels: buffers.train_labels,
        test_images: buffers.test_images,
        test_labels: buffers.test_labels,
      }, transfer);
      this.dataArrived(result, whole ? 'all' : 'test');
      return true;
    } catch (err) {
      showError(err, `Check the four ${datasetTitle()} .gz files and pick them again.`, $('data-files'));
      if (!read().data) publish({ event: 'data', problem: 'unusable' });
      return false;
    }
  }

  /** Picked files replace the site's data, including its training half, also after a restart. */
  async useFiles(fileList) {
    const buffers = await readPickedFiles(fileList);
    const files = [...fileList];
    if (!await this.sendData(buffers)) return false;
    this.dataSource = { kind: 'files', files };
    this.trainingDownload.cancel();
    return true;
  }

  /** Loads a model file into Python (it lands on the shelf, active); kept for a new worker. */
  async installModel(bytes, name, kind = 'file') {
    const copy = bytes.slice(0); // one for a restarted worker; the other is transferred
    try {
      await this.call('load_model', { data: bytes, name, kind }, [bytes]);
      this.model = { bytes: copy, name, kind };
      change({ hasModel: true });
      return true;
    } catch (err) {
      showError(err, 'Use a .npz file saved by glassnet (the Save model button or the command line).', $('model-file'));
      return false;
    }
  }

  /** Ends the worker (whatever it was doing) and boots a new one: data and last model come back. */
  async restart(note = '') {
    hideError();
    this.keeper.freeze(); // the new Python's start-up must not make it forget the old shelf
    this.bridge.terminate();
    change({ hasModel: false, activeModel: null, data: null, run: null });
    try {
      await this.start();
      const failed = this.restored?.failed.length > 0;
      if (note || failed) {
        const text = `${note || 'Python was started again.'} ${this.whatCameBack()}`;
        setStatus(text);
        publish({ event: 'restarted', note: text });
      }
    } catch (err) {
      this.failed(err);
    }
  }

  /** After a restart, in words: what is back, what could not be restored and why. */
  whatCameBack() {
    const { restored = 0, total = 0, failed = [] } = this.restored ?? {};
    let models = '';
    if (failed.length) {
      const why = failed.map((f) => `'${f.name}' could not be restored: ${f.reason}`).join('; ');
      models = ` ${restored} of ${total} models ${restored === 1 ? 'is' : 'are'} back; ${why}.`;
    } else if (restored > 1) {
      models = ` The ${restored} models of this session are back.`;
    } else if (restored === 1 || this.model) {
      models = ` ${restored === 1 ? 'The model of this session' : this.model.name} is back.`;
    }
    return `The data is loaded again.${models} A run in progress was lost.`;
  }

  /** Start-up failed: one message that says what to do. */
  failed(err) {
    if (getState() === 'error' && this.bridge?.crashed) return; // the crash handler said it already
    setState('error');
    setStatus('The page could not start.');
    showError(err, 'Reload the page. If it fails again, the site may be incomplete: whoever hosts it can rebuild it (python build.py).');
    if (this.bridge) $('reload-worker').hidden = false;
  }
}
