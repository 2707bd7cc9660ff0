// The page's state (document.documentElement.dataset.state), the one-line status, and the
// error banner. Why one module: every failure must end up as a visible message that says what
// to do, and the tests read the state; keeping both here makes that hard to forget. setState is
// the one place the state changes: it tells the views through the page's event stream (store.js).

import { change, datasetTitle, read } from './store.js';

export const STATES = ['loading', 'ready', 'training', 'paused', 'done', 'error'];

const root = document.documentElement;
const statusLine = document.getElementById('status');
const banner = document.getElementById('error');
const bannerMessage = document.getElementById('error-message');
const bannerHint = document.getElementById('error-hint');
const reloadButton = document.getElementById('reload-worker');

document.getElementById('dismiss-error').addEventListener('click', () => {
  banner.hidden = true;
});

export function getState() {
  return read().state;
}

/** Moves the page to `state`; views hear {event: 'state'} (also when it stays the same). */
export function setState(state) {
  if (!STATES.includes(state)) throw new Error(`unknown state ${state}`);
  const previous = read().state;
  root.dataset.state = state; // for the tests and the CSS
  change({ state }, { event: 'state', state, previous });
}

/** The status line once the page is ready: what can be done now. */
export function readyText() {
  const { data, hasModel } = read();
  if (!data) return `Ready. Add the four ${datasetTitle()} files (section 1) to train.`;
  if (!data.train) return 'Ready: draw, or look at the test images. Train unlocks when the training images are in (section 1).';
  if (hasModel) return 'Ready. Press Train to teach a new network, or draw to test the current one.';
  return 'Ready. Press Train to teach the network to recognise clothes.';
}

export function setStatus(text) {
  statusLine.textContent = text;
}

export function statusText() {
  return statusLine.textContent;
}

/**
 * Shows a failure: its message, and its hint (what to do). `err.crashed` (the worker died)
 * also offers "Reload worker".
 */
export function showError(err, fallbackHint = '', near = null) {
  if (near) showErrorNear(near, err, fallbackHint);
  bannerMessage.textContent = err.message || String(err);
  bannerHint.textContent = err.hint || fallbackHint;
  bannerHint.hidden = !bannerHint.textContent;
  reloadButton.hidden = !err.crashed;
  banner.hidden = false;
  if (err.crashed) reloadButton.focus();
}

/**
 * The same message next to the control that caused it (the banner may be far away): a line
 * after the control's button row, replaced by the next message there, gone on the next success.
 */
export function showErrorNear(control, err, fallbackHint = '') {
  const anchor = control.closest('.button-row, .field, label, .runs-compare') ?? control;
  let line = anchor.nextElementSibling;
  if (!line || !line.classList.contains('control-error')) {
    line = document.createElement('p');
    line.className = 'control-error';
    line.dataset.testid = 'field-error';
    line.setAttribute('role', 'alert');
    anchor.after(line);
  }
  const hint = err.hint || fallbackHint;
  line.textContent = `${err.message || String(err)}${hint ? ` ${hint}` : ''}`;
  line.hidden = false;
}

/** Removes the message next to a control (after it worked). */
export function clearErrorNear(control) {
  const anchor = control.closest('.button-row, .field, label, .runs-compare') ?? control;
  const line = anchor.nextElementSibling;
  if (line && line.classList.contains('control-error')) line.hidden = true;
}

export function hideError() {
  banner.hidden = true;
}

export function onReloadWorker(handler) {
  reloadButton.addEventListener('click', handler);
}
