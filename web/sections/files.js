// Section 1's files: the data (picked or dropped .gz files, and the line that says what data is
// in) and models (Save model, Load model). Python checks every file; a bad one leaves the last
// good data or model in place, and the message says which file and why.

import { download } from '../page/download.js';
import { getState, hideError, readyText, setStatus, showError } from '../page/status.js';
import { change, datasetTitle, isProgress, read } from '../page/store.js';


const PROBLEMS = {
  'not built in': () => `This site was built without the data set. Add the four ${datasetTitle()} .gz files below.`,
  unusable: () => `No usable data yet. Add the four ${datasetTitle()} .gz files below.`,
};

function summary({ train, test }) {
  const { side, classes } = read().schema.limits;
  return train
    ? `${datasetTitle()}: ${train.toLocaleString('en')} training images and ${test.toLocaleString('en')} test images, ${side}×${side} pixels, ${classes} classes.`
    : `${datasetTitle()}: ${test.toLocaleString('en')} test images are in (${side}×${side} pixels, ${classes} classes); the training images follow.`;
}

/**
 * @param {HTMLElement} root  the data & model section
 * @param {{loader: object}} ctx  the page context (app.js); loader: boot.js's Loader (sends data and models to Python)
 */
export function mount(root, { loader }) {
  const $ = (id) => root.querySelector(`#${id}`);

  async function useDataFiles(fileList) {
    if (!fileList || !fileList.length) return;
    hideError();
    try {
      await loader.useFiles(fileList);
    } catch (err) {
      showError(err, '', $('data-files')); // unreadable before Python saw them
      return;
    }
    setStatus(readyText());
  }

  async function saveModel() {
    try {
      download(await loader.call('save_model'), 'glassnet-model.npz');
      setStatus('Model saved as glassnet-model.npz. Load it again with "Load model".');
    } catch (err) {
      showError(err, '', $('save-model'));
    }
  }

  async function loadModelFile(file) {
    if (!file) return;
    hideError();
    // The largest honest model file (Python's, webapi.options().limits): a bigger one is refused
    // before the page reads it into memory.
    if (file.size > (read().schema?.limits.max_model_bytes ?? Infinity)) {
      showError({ message: `${file.name} is ${(file.size / 2 ** 20).toFixed(0)} MB, larger than any model glassnet makes.`, hint: 'Pick a .npz file saved with the Save model button.' });
      return;
    }
    const bytes = await file.arrayBuffer();
    if (await loader.installModel(bytes, file.name)) {
      change({ run: null });
      setStatus(`Loaded ${file.name}. Draw something to try it. The previous model stays in the list.`);
    }
    buttons();
  }

  function buttons() {
    const state = getState();
    const busy = state === 'loading' || state === 'error';
    const running = state === 'training' || state === 'paused';
    $('save-model').disabled = busy || !read().hasModel;
    $('model-file').disabled = busy || running;
    $('data-files').disabled = busy || running;
  }

  $('save-model').addEventListener('click', saveModel);
  $('model-file').addEventListener('change', (e) => {
    loadModelFile(e.target.files[0]).finally(() => { e.target.value = ''; });
  });
  $('data-files').addEventListener('change', (e) => {
    useDataFiles(e.target.files).finally(() => { e.target.value = ''; });
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

  return {
    update(event, state) {
      if (event.event === 'data') {
        if (event.problem) $('data-summary').textContent = PROBLEMS[event.problem]();
        else if (state.data) $('data-summary').textContent = summary(state.data);
      }
      if (!isProgress(event)) buttons();
    },
  };
}
