// The page's composition root: makes the worker's loader and the page's one view context, mounts
// every view on its section and subscribes it to the page's one event stream (store.js), then
// starts. What each part does lives in its own module; nothing here keeps state.
//
// The view contract: every view module exports `mount(root, ctx)` and returns
// `{update(event, state), reset?()}`; `ctx` is the one object below, the same for every view.
//
// Every failure becomes a visible message (status.js) and the page stays usable: a bad file
// leaves the last good data in place, a crashed worker can be reloaded.

import * as code from '../code/panel.js';
import * as glassbox from '../glassbox/glassbox.js';
import { Loader } from '../python/boot.js';
import * as drawing from '../sections/drawing.js';
import * as estimate from '../sections/estimate.js';
import * as files from '../sections/files.js';
import * as live from '../sections/live.js';
import * as shelf from '../sections/shelf.js';
import * as testGallery from '../sections/test-gallery.js';
import * as training from '../sections/training.js';
import { Controls } from '../widgets/controls.js';
import { mountAppearance } from './appearance.js';
import { mountClassroom } from './classroom.js';
import { getState, hideError, onReloadWorker, setStatus, showError } from './status.js';
import { change, follow, publish, read } from './store.js';

const $ = (id) => document.getElementById(id);
const timings = { start: performance.now() }; // start-up figures, read by tests and the benchmark

const loader = new Loader({ timings });
const controls = new Controls();
const views = {}; // the mounted views that others use (the run buttons, the pad, the code panel)

/** What every view may use; views never reach into another section's elements. */
const ctx = {
  /** glassnet.webapi.<name>(**kwargs) in the worker; a Promise of its JSON-able answer. */
  call: (name, kwargs, transfer) => loader.call(name, kwargs, transfer),
  /** A worker request by type (train, pause, resume, stop, set_lr...). */
  request: (type, args) => loader.request(type, args),
  read, publish, change, // the page's state and its event stream (store.js)
  getState, setStatus, showError, hideError, // the page state and its messages (status.js)
  controls, // the settings form (widgets/controls.js)
  loader, timings, // the worker's loader (files send data and models through it); start-up figures
  /** Presses Train (the code panel's "Train with my version"). */
  train: () => views.training.train(),
  /** Ends the worker and boots a new one; `note` says why (beside the code panel's editor). */
  restartPython: (note) => loader.restart(note),
  /** The drawing pad (section 4): its pixels, whether it is empty. */
  get pad() { return views.drawing.pad; },
  /** A link that opens a piece of code in section 7. */
  codeLink: (piece, label) => views.code.link(piece, label),
  /** Puts a config into the form (and so into the link); `source` names where it came from. */
  fillControls(config, source = '') {
    if (config.preset) controls.fillFromPreset(config.preset);
    controls.setValues(config);
    controls.setSource(source);
    controls.changed();
  },
  /** A network for stepping started (no training loop). */
  stepping: (result) => publish({ event: 'stepping', result }),
  /** The active network's weights changed here (a step, a fine-tune); `note` says how. */
  edited: (note) => change({ hasModel: true }, { event: 'edited', note }),
};

views.training = follow(training.mount($('watch-section'), ctx));
follow(live.mount($('watch-section'), ctx));
follow(estimate.mount($('time-estimate'), ctx));
follow(files.mount($('data-section'), ctx));
follow(shelf.mount($('data-section'), ctx));
views.drawing = follow(drawing.mount($('draw-section'), ctx));
follow(testGallery.mount($('gallery-section'), ctx));
// Sections 6 and 7: the inside of the network, and its code. The code panel is mounted first
// (the step-through table links into it) but hears events after the glass box, whose share view
// puts a link's settings into the form at "ready" before the panel marks the pieces they use.
views.code = code.mount($('code'), ctx);
follow(glassbox.mount($('glassbox'), ctx));
follow(views.code);
mountAppearance($('theme'));

onReloadWorker(() => loader.restart());
loader.start().catch((err) => loader.failed(err));
mountClassroom().catch((err) => console.info('No class address to show:', err.message));
