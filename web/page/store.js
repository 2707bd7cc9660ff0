// The page's shared state and its one event stream.
//
// Why one place: every view (charts, gallery, drawing, shelf, glass box, code panel) needs to
// know the page state, whether there is data and a model, and the class names. Each reads them
// here and reacts to events published here, instead of reading another section's DOM or watching
// attributes. Python's events (glassnet/events.py: batch, epoch, sample, start, shelf, done,
// stopped, error) and the page's own (below) flow through the same stream.
//
// The page's own events:
//   {event: 'state', state, previous}     status.setState changed the page state
//   {event: 'schema', schema}              the option schema and class names arrived (boot)
//   {event: 'ready'}                       Python, data and model are in (boot)
//   {event: 'data', part | problem}        data arrived ('test', 'training', 'all'), or none usable
//   {event: 'model', active}               another model became active (after start-up)
//   {event: 'run', result}                 a training run started (the worker's answer to train)
//   {event: 'stepping', result}            a network for stepping started (no training loop)
//   {event: 'edited', note}                the active network's weights changed (a step, a fine-tune)
//   {event: 'lr', lr}                      the learning rate changed during a run
//   {event: 'reset'}                       Reset: a fresh network, empty charts (views' reset())
//   {event: 'drawing'}                     the drawing changed (a stroke ended, Clear, the example)
//   {event: 'test-image', index}           a test image was picked (a gallery tile) to look inside
//   {event: 'theme', theme}                normal or large (projector) mode
//   {event: 'crash', message, hint}        the worker died (a run in progress ends)
//   {event: 'restarted', note}             Python was restarted; data and model are loaded again

const current = {
  state: 'loading', // one of status.STATES
  schema: null, // webapi.options(): options, presets, default_preset, classes
  classes: [], // class names (from the schema, or the data)
  data: null, // {train, test} image counts once loaded (train 0 until the training half is in)
  hasModel: false,
  activeModel: null, // the shelf entry of the active model
  run: null, // {epochs, stepsPerEpoch, batchSize} of the current training run
  runs: 0, // training runs started on this page
};

/**
 * Whether `event` is one of a run's progress events (batch, sample, epoch: many a second while a
 * run trains), which views that only follow the page state, the data or the model skip. The
 * names are Python's (glassnet/events.py, sent as webapi.options().events); none come before it.
 */
export function isProgress(event) {
  return Boolean(current.schema?.events.progress.includes(event.event));
}

/** Whether `event` ends a run (done, stopped, error), by Python's list of event names. */
export function isRunEnd(event) {
  return Boolean(current.schema?.events.ends.includes(event.event));
}

const listeners = new Set();

/** The page's state as it is now; read it, change it only with `change`. */
export function read() {
  return current;
}

/** Changes fields of the state; with an event, tells every subscriber afterwards. */
export function change(patch, event = null) {
  Object.assign(current, patch);
  if (event) publish(event);
}

/** Tells every subscriber; one that throws does not stop the others (its error is logged). */
export function publish(event) {
  for (const listener of [...listeners]) {
    try {
      listener(event, current);
    } catch (err) {
      console.error(`A view failed on the "${event.event}" event:`, err);
    }
  }
}

/** Calls `listener(event, state)` for every event from now on; returns a function that stops it. */
export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Every view has the same small shape: `mount(root, ctx)` builds it inside `root` (its section)
 * and returns `{update(event, state), reset()}`; `ctx` (app.js) is what it may use (the worker's
 * `call`, the settings form...), never another section's elements. `update` hears every event and reads
 * what it needs from `state`; `reset` (where Reset means something for the view) returns it to
 * its empty start. This subscribes such a view and returns it.
 */
export function follow(view) {
  subscribe((event, state) => {
    if (event.event === 'reset') view.reset?.();
    else view.update(event, state);
  });
  return view;
}

/** The data set's name for people (the registry's title, from Python's options()). */
export function datasetTitle() {
  return read().schema?.dataset?.title ?? 'the data set';
}
