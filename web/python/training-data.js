// The training half of the site's data set, downloaded after the page is ready, with progress.
//
// Why: the training images are 26 MB of the ~35 MB a first visit needs besides Python. Thirty
// students on one classroom Wi-Fi should be drawing and looking at the test images (which need
// only the 4 MB test set and the pretrained model) while those arrive. Train waits for them:
// training on part of the set would change what an epoch means, and the page says so.

import { DataProblem, fetchSiteFiles, TRAINING_KEYS } from './data.js';

const MB = 1e6;

export class TrainingDownload {
  /** @param {HTMLElement} after  the element the progress line goes after (section 1's summary) */
  constructor(after) {
    this.box = document.createElement('div');
    this.box.className = 'training-download';
    this.box.dataset.testid = 'training-download';
    this.box.hidden = true;
    this.bar = document.createElement('progress');
    this.bar.max = 1;
    this.bar.value = 0;
    this.bar.setAttribute('aria-label', 'Training images downloaded');
    this.text = document.createElement('p');
    this.text.setAttribute('aria-live', 'polite');
    this.box.append(this.text, this.bar);
    after.after(this.box);
    this.generation = 0;
  }

  /**
   * Downloads the training files the manifest names and hands them to `deliver(buffers)` (which
   * sends them to the worker). Resolves with deliver's result; a newer start() makes an older
   * download's result be dropped (null).
   */
  async start(manifest, deliver) {
    const generation = ++this.generation;
    this.box.hidden = false;
    this.box.dataset.state = 'downloading';
    this.show(0, 0);
    let buffers;
    try {
      buffers = await fetchSiteFiles(manifest, TRAINING_KEYS, (received, total) => {
        if (generation === this.generation) this.show(received, total);
      });
    } catch (err) {
      if (generation !== this.generation) return null;
      this.box.dataset.state = 'error';
      this.text.textContent = `The training images did not arrive: ${err.message} Drawing and the test images still work.`;
      throw err instanceof DataProblem ? err : new DataProblem(err.message, 'Reload the page to try again.');
    }
    if (generation !== this.generation) return null;
    this.text.textContent = 'Training images are in; checking them…';
    const result = await deliver(buffers);
    if (generation !== this.generation) return null;
    this.box.dataset.state = 'done';
    this.box.hidden = true;
    return result;
  }

  /** Drops the download in flight (its result is ignored), e.g. when people pick their own files. */
  cancel() {
    this.generation += 1;
    this.box.hidden = true;
  }

  show(received, total) {
    this.box.dataset.received = String(received);
    this.box.dataset.total = String(total);
    const got = (received / MB).toFixed(1);
    const of = total ? ` of ${(total / MB).toFixed(1)} MB (${Math.floor((100 * received) / total)}%)` : ' MB';
    const amount = received || total ? `: ${got}${of}.` : '…';
    this.text.textContent = `Downloading the training images${amount} Train starts once they are all in; `
      + 'drawing, the test images and the views inside the network work now.';
    if (total) {
      this.bar.max = total;
      this.bar.value = received;
    } else {
      this.bar.removeAttribute('value'); // an indeterminate bar until the size is known
    }
  }
}
