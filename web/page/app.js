// The page's composition root: makes the worker's loader, mounts every view on its section and
// subscribes it to the page's one event stream (store.js), then starts. What each part does
// lives in its own module; nothing here keeps state.
//
// Every failure becomes a visible message (status.js) and the page stays usable: a bad file
// leaves the last good data in place, a crashed worker can be reloaded.

import { mountAppearance } from './appearance.js';
import { Loader } from '../python/boot.js';
import { mountClassroom } from './classroom.js';
import { mountCodePanel } from '../code/panel.js';
import { Controls } from '../widgets/controls.js';
import { mountDrawing } from '../sections/drawing.js';
import { mountEstimate } from '../sections/estimate.js';
import { mountFiles } from '../sections/files.js';
import { mountGalleryView } from '../sections/test-gallery.js';
import { mountGlassbox } from '../glassbox/glassbox.js';
import { mountLiveView } from '../sections/live.js';
import { ShelfView } from '../sections/shelf.js';
import { getState, onReloadWorker, setStatus, showError } from './status.js';
import { follow } from './store.js';
import { mountTraining } from '../sections/training.js';

const $ = (id) => document.getElementById(id);
const timings = { start: performance.now() }; // start-up figures, read by tests and the benchmark

const loader = new Loader({ timings });
const call = (name, kwargs, transfer) => loader.call(name, kwargs, transfer);
const request = (type, args) => loader.request(type, args);
const controls = new Controls();

const training = follow(mountTraining($('watch-section'), { controls, call, request }));
follow(mountLiveView($('watch-section')));
follow(mountEstimate($('time-estimate'), { controls, call }));
follow(mountFiles($('data-section'), { loader }));
follow(new ShelfView($('model-shelf-view'), { call, onError: (err) => setStatus(err.message), summary: $('model-summary') }));
const drawing = follow(mountDrawing($('draw-section'), { call, timings }));
follow(mountGalleryView($('gallery-section'), { call }));
// Sections 6 and 7: the inside of the network, and its code. The code panel is made first (the
// step-through table links into it) but hears events after the glass box, whose share view puts
// a link's settings into the form at "ready" before the panel marks the pieces they use.
const code = mountCodePanel($('code'), {
  request, controls, getState, setStatus, showError,
  train: () => training.train(), restartPython: (note) => loader.restart(note),
});
follow(mountGlassbox($('glassbox'), { call, controls, pad: drawing.pad, setStatus, showError, codeLink: code.link }));
follow(code);
mountAppearance($('theme'));

onReloadWorker(() => loader.restart());
loader.start().catch((err) => loader.failed(err));
mountClassroom().catch((err) => console.info('No class address to show:', err.message));
