// Section 7, "Read and change the code": the real source of the pieces that train the network
// (read from the loaded package by Python's inspect, so it is exactly what runs), an editor for
// a student's own version, its check (finite differences, or the reference optimizer), training
// with it, and guided exercises.
//
// Every check and every swap is done by Python (glassnet.pieces, glassnet.exercises) through the
// worker's generic `call`. Student code runs in the worker, never in the page: a worker has no
// DOM, and what comes back is data shown with textContent (or Highlight.js's escaped HTML).
// Python stops endless loops by itself after 10 s; a loop inside a single C call cannot be
// stopped that way, so after a few seconds "Stop" offers to restart Python.

import { CodeEditor, renderSource } from './editor.js';

const STOP_AFTER_MS = 2500; // a check taking longer than this shows "Stop"

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

function exerciseFromHash() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  return params.get('exercise');
}

function formatError(value) {
  if (value === null || value === undefined) return 'not a number';
  if (value === 0) return '0';
  return value.toExponential(1);
}

export class CodePanel {
  /**
   * @param {HTMLElement} container  an empty <section>
   * @param {object} page  request(type, args), getState(), setStatus(text), showError(err),
   *   controls (the settings form), train() (presses Train), restartPython(reason) (ends the
   *   worker, boots a new one)
   */
  constructor(container, page) {
    this.page = page;
    this.pieces = new Map();
    this.exercises = new Map();
    this.inUse = [];
    this.current = null; // {kind: 'piece' | 'exercise', id}
    this.drafts = new Map(); // what the student wrote, per piece or exercise, kept while switching
    this.busy = false;
    this.wantedExercise = exerciseFromHash();
    this.build(container);
  }

  build(container) {
    container.classList.add('card', 'code-section');
    container.setAttribute('aria-labelledby', 'code-heading');
    container.innerHTML = `
      <h2 id="code-heading"><span class="step">7</span> Read and change the code</h2>
      <p class="explain">This is the NumPy that trains the network above, read from the very
        package running in this page. Pick a piece to read it; change it, press Check to test your
        version the way the package's own tests do, then train the network with it. Or start with
        an exercise.</p>
      <div class="code-layout">
        <nav class="code-nav" aria-label="Pieces of code and exercises">
          <h3>The code</h3>
          <ul class="code-piece-list"><li class="muted">Loading when Python is ready…</li></ul>
          <p class="code-legend muted"><span class="dot">●</span> used by a run with the current settings</p>
          <h3>Exercises</h3>
          <ul class="code-exercise-list"></ul>
        </nav>
        <div class="code-main">
          <h3 class="code-title">Pick a piece</h3>
          <p class="code-note"></p>
          <div class="exercise-text" hidden>
            <p class="exercise-intro"></p>
            <details class="exercise-hint"><summary>Hint</summary><p></p></details>
            <p class="exercise-link-row"><label>Link to this exercise
              <input type="text" class="exercise-link" readonly></label></p>
          </div>
          <details class="code-source" open>
            <summary class="code-where">The package's own version</summary>
            <pre class="code-view hljs" data-testid="code-panel" tabindex="0" aria-label="Source code"></pre>
          </details>
          <div class="code-edit" hidden>
            <h4 class="edit-heading">Your version</h4>
            <div class="code-editor-host"></div>
            <div class="button-row">
              <button type="button" class="primary" data-testid="code-check">Check</button>
              <button type="button" data-testid="code-train">Train with my version</button>
              <button type="button" class="quiet" data-testid="code-reset">Reset to original</button>
              <button type="button" class="code-stop" data-testid="code-stop" hidden>Stop (restart Python)</button>
            </div>
            <div class="check-result" data-testid="check-result" aria-live="polite"></div>
          </div>
          <p class="code-readonly muted" hidden>This piece can be read here but not replaced.</p>
        </div>
      </div>`;
    const q = (sel) => container.querySelector(sel);
    this.root = container;
    this.pieceList = q('.code-piece-list');
    this.exerciseList = q('.code-exercise-list');
    this.title = q('.code-title');
    this.note = q('.code-note');
    this.where = q('.code-where');
    this.sourceBox = q('.code-source');
    this.view = q('.code-view');
    this.editBox = q('.code-edit');
    this.readonly = q('.code-readonly');
    this.exerciseText = q('.exercise-text');
    this.result = q('.check-result');
    this.checkButton = q('[data-testid="code-check"]');
    this.trainButton = q('[data-testid="code-train"]');
    this.resetButton = q('[data-testid="code-reset"]');
    this.stopButton = q('.code-stop');
    this.linkField = q('.exercise-link');
    this.editor = new CodeEditor(q('.code-editor-host'), (text) => this.drafts.set(this.key(), text));
    this.checkButton.addEventListener('click', () => this.check());
    this.trainButton.addEventListener('click', () => this.trainWithIt());
    this.resetButton.addEventListener('click', () => this.reset());
    this.stopButton.addEventListener('click', () => this.stop());
    this.linkField.addEventListener('focus', () => this.linkField.select());
    window.addEventListener('hashchange', () => {
      const wanted = exerciseFromHash();
      if (wanted && this.exercises.has(wanted)) this.open('exercise', wanted, true);
    });
    this.update();
  }

  key() {
    return this.current ? `${this.current.kind}:${this.current.id}` : '';
  }

  // ------------------------------------------------------------ loading what Python has

  /** Once Python is ready (and again after it restarts): the pieces and the exercises. */
  async load(settings = {}) {
    try {
      const [listing, { exercises }] = await Promise.all([
        this.page.request('call', { name: 'code_pieces', kwargs: settings }),
        this.page.request('call', { name: 'exercises', kwargs: {} }),
      ]);
      this.pieces = new Map(listing.pieces.map((p) => [p.id, p]));
      this.inUse = listing.in_use;
      this.exercises = new Map(exercises.map((e) => [e.id, e]));
      this.renderLists();
      if (this.wantedExercise && this.exercises.has(this.wantedExercise)) {
        this.open('exercise', this.wantedExercise, true);
        this.wantedExercise = null;
      } else if (this.current) {
        this.open(this.current.kind, this.current.id);
      } else {
        this.open('piece', this.inUse[0] ?? 'dense');
      }
      if (this.restartNote) this.showMessage('error', this.restartNote);
      this.restartNote = null;
    } catch (err) {
      this.pieceList.replaceChildren(el('li', { className: 'muted', textContent: `The code could not be read: ${err.message}` }));
    }
    this.update();
  }

  /** The run's settings changed: mark the pieces it uses. */
  async settingsChanged({ activation, optimizer }) {
    if (!this.pieces.size) return;
    try {
      const listing = await this.page.request('call', { name: 'code_pieces', kwargs: { activation, optimizer } });
      this.inUse = listing.in_use;
      this.renderLists();
    } catch (_) { /* the marks stay as they were */ }
  }

  renderLists() {
    const item = (kind, id, text, extra = '') => {
      const button = el('button', { type: 'button', className: `code-link ${extra}`.trim(), textContent: text });
      button.dataset.kind = kind;
      button.dataset.id = id;
      if (kind === 'exercise') button.dataset.testid = 'exercise';
      button.addEventListener('click', () => this.open(kind, id, kind === 'exercise'));
      return el('li', {}, button);
    };
    const ordered = [...this.inUse, ...[...this.pieces.keys()].filter((id) => !this.inUse.includes(id))];
    this.pieceList.replaceChildren(...ordered.filter((id) => this.pieces.has(id)).map((id) => {
      const used = this.inUse.includes(id);
      const li = item('piece', id, this.pieces.get(id).title, used ? 'in-use' : '');
      if (used) li.firstChild.title = 'Used by a run with the current settings';
      return li;
    }));
    this.exerciseList.replaceChildren(...[...this.exercises.values()].map((e) => item('exercise', e.id, e.title)));
    this.markCurrent();
  }

  markCurrent() {
    for (const b of this.root.querySelectorAll('.code-link')) {
      const on = this.current && b.dataset.kind === this.current.kind && b.dataset.id === this.current.id;
      b.setAttribute('aria-current', on ? 'true' : 'false');
    }
  }

  // ------------------------------------------------------------ showing a piece or an exercise

  open(kind, id, scroll = false) {
    const exercise = kind === 'exercise' ? this.exercises.get(id) : null;
    const piece = this.pieces.get(exercise ? exercise.piece : id);
    if (!piece) return;
    if (this.current && this.editor.value) this.drafts.set(this.key(), this.editor.value);
    this.current = { kind, id };
    this.title.textContent = exercise ? `Exercise: ${exercise.title}` : piece.title;
    // An exercise's own text explains the task; the piece's note would give the answer away.
    this.note.textContent = exercise ? '' : piece.note;
    this.note.hidden = Boolean(exercise);
    const where = piece.functions.map((f) => `${f.name} (${f.file}, line ${f.line})`).join(' · ');
    this.where.textContent = exercise ? `The package's own version (look after you tried): ${where}` : `From the package running in this page: ${where}`;
    this.sourceBox.open = !exercise;
    this.showSource(piece);
    this.exerciseText.hidden = !exercise;
    if (exercise) {
      this.root.querySelector('.exercise-intro').textContent = exercise.intro;
      this.root.querySelector('.exercise-hint p').textContent = exercise.hint;
      this.root.querySelector('.exercise-hint').open = false;
      const url = new URL(location.href);
      url.hash = `exercise=${encodeURIComponent(exercise.id)}`;
      this.linkField.value = url.href;
    }
    this.editBox.hidden = !piece.editable;
    this.readonly.hidden = piece.editable;
    this.root.querySelector('.edit-heading').textContent = exercise ? 'Your answer' : 'Your version (edit it)';
    this.resetButton.textContent = exercise ? 'Reset to the start' : 'Reset to original';
    this.editor.value = this.drafts.get(this.key()) ?? (exercise ? exercise.starter : piece.code);
    this.clearResult();
    this.markCurrent();
    this.update();
    if (scroll) this.root.scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  showSource(piece, marked = null) {
    // One block per function, each numbered as in its file.
    this.view.replaceChildren();
    const blocks = piece.code.split(/\n\n\n/);
    piece.functions.forEach((f, i) => {
      const pre = el('span', { className: 'code-block' });
      pre.dataset.function = f.name;
      renderSource(pre, blocks[i] ?? '', f.line, marked);
      this.view.append(pre);
      if (i < piece.functions.length - 1) this.view.append('\n\n');
    });
  }

  // ------------------------------------------------------------ check, train, reset, stop

  request(name, kwargs) {
    return this.page.request('call', { name, kwargs });
  }

  args() {
    const { kind, id } = this.current;
    return kind === 'exercise' ? { exercise: id, code: this.editor.value } : { piece: id, code: this.editor.value };
  }

  /** Runs a request that executes student code: shows "Stop" if it takes long. */
  async guarded(what, fn) {
    this.busy = true;
    this.update();
    const timer = setTimeout(() => { this.stopButton.hidden = false; }, STOP_AFTER_MS);
    try {
      return await fn();
    } finally {
      clearTimeout(timer);
      this.stopButton.hidden = true;
      this.busy = false;
      this.update();
    }
  }

  async check() {
    if (!this.current || this.busy) return;
    this.showPending('Checking your version…');
    try {
      const report = await this.guarded('check', () => this.request('code_check', this.args()));
      this.showReport(report);
    } catch (err) {
      this.showFailure(err);
    }
  }

  async trainWithIt() {
    if (!this.current || this.busy) return;
    const state = this.page.getState();
    if (state === 'training' || state === 'paused') {
      this.showMessage('error', 'A run is in progress: stop it (section 2), then train with your version.');
      return;
    }
    this.showPending('Getting your version ready…');
    let armed;
    try {
      armed = await this.guarded('use', () => this.request('code_use', this.args()));
    } catch (err) {
      this.showFailure(err);
      return;
    }
    if (!armed.armed) {
      this.showReport({ verdict: 'error', ok: false, error: armed.error, parts: [] });
      return;
    }
    const changed = this.applySettings(armed.settings);
    this.showMessage('info', `Training with ${armed.label}${changed.length ? ` (settings changed so it takes part: ${changed.join(', ')})` : ''}. Watch section 3; the run is labelled in "Compare runs".`);
    await this.page.train();
    const now = this.page.getState();
    if (now === 'training' || now === 'paused') this.root.dataset.training = armed.label;
    this.update();
  }

  /** Puts the options a version needs (e.g. activation relu) into the training form. */
  applySettings(settings) {
    const { controls } = this.page;
    const texts = controls.texts();
    const changed = Object.entries(settings || {}).filter(([key, value]) => controls.option(key) && texts[key] !== value);
    if (changed.length) {
      controls.setValues(Object.fromEntries(changed));
      controls.changed();
    }
    return changed.map(([key, value]) => `${key} ${value}`);
  }

  async reset() {
    if (!this.current) return;
    const { kind, id } = this.current;
    const exercise = kind === 'exercise' ? this.exercises.get(id) : null;
    const piece = this.pieces.get(exercise ? exercise.piece : id);
    this.drafts.delete(this.key());
    this.editor.value = exercise ? exercise.starter : piece.code;
    try {
      await this.request('code_reset', {});
      this.showMessage('info', exercise ? 'Back to the start of the exercise. The network uses the original code again.'
        : 'Back to the original. The network uses the original code again.');
    } catch (err) {
      this.showFailure(err);
    }
  }

  /** The worker is stuck in student code that Python cannot interrupt: start a new one. */
  async stop() {
    this.stopButton.hidden = true;
    this.showMessage('error', 'Stopping your code: restarting Python…');
    await this.page.restartPython('Your code did not finish, so Python was restarted.');
  }

  // ------------------------------------------------------------ showing results

  clearResult() {
    this.result.replaceChildren();
    this.result.dataset.verdict = '';
    this.editor.mark(null);
    const piece = this.currentPiece();
    if (piece) this.showSource(piece);
  }

  currentPiece() {
    if (!this.current) return null;
    const exercise = this.current.kind === 'exercise' ? this.exercises.get(this.current.id) : null;
    return this.pieces.get(exercise ? exercise.piece : this.current.id) ?? null;
  }

  showPending(text) {
    this.result.dataset.verdict = 'pending';
    this.result.replaceChildren(el('p', { className: 'verdict', textContent: text }));
    this.editor.mark(null);
  }

  showMessage(kind, text) {
    this.result.dataset.verdict = kind;
    this.result.replaceChildren(el('p', { className: 'verdict', textContent: text }));
  }

  showFailure(err) {
    if (err && err.crashed) {
      this.showMessage('error', `Python stopped while running your code: ${err.message}`);
      return;
    }
    this.showMessage('error', err.message || String(err));
    if (err.hint) this.result.append(el('p', { className: 'muted', textContent: err.hint }));
  }

  showReport(report) {
    this.result.dataset.verdict = report.verdict;
    const out = [];
    if (report.error) {
      const { message, line, hint } = report.error;
      out.push(el('p', { className: 'verdict' },
        el('strong', { textContent: line ? `Line ${line}: ` : 'Error: ' }), message));
      if (hint) out.push(el('p', { className: 'muted', textContent: hint }));
      this.editor.mark(line);
    } else {
      const icon = { right: '✓', 'nearly right': '≈', wrong: '✗' }[report.verdict] ?? '';
      out.push(el('p', { className: 'verdict', textContent: `${icon} ${report.summary}` }));
      out.push(el('p', { className: 'largest-error', textContent: `Largest relative error: ${formatError(report.max_error)}` }));
      const rows = report.parts.map((p) => el('tr', { className: p.verdict.replace(' ', '-') },
        el('th', { scope: 'row', textContent: p.name }),
        el('td', { textContent: p.verdict }),
        el('td', { className: 'num', textContent: formatError(p.error) }),
        el('td', { textContent: p.detail })));
      out.push(el('div', { className: 'table-wrap' }, el('table', { className: 'check-table' },
        el('thead', {}, el('tr', {}, ...['Checked', 'Verdict', 'Relative error', 'Detail'].map((t) => el('th', { scope: 'col', textContent: t })))),
        el('tbody', {}, ...rows))));
      if (report.ok && this.editBox.contains(this.trainButton)) {
        out.push(el('p', { className: 'muted', textContent: 'Now press "Train with my version" to train the network with it.' }));
      }
    }
    this.result.replaceChildren(...out);
  }

  // ------------------------------------------------------------ the page's state

  update(state = this.page.getState()) {
    const ready = state !== 'loading' && state !== 'error' && this.pieces.size > 0;
    const running = state === 'training' || state === 'paused';
    this.checkButton.disabled = !ready || this.busy;
    this.trainButton.disabled = !ready || this.busy || running;
    this.resetButton.disabled = !ready || this.busy;
    // While a run trains with the student's code, a loop Python cannot interrupt would leave
    // the page's own Stop unanswered: this one restarts Python instead.
    if (!running) delete this.root.dataset.training;
    const trainingMine = running && Boolean(this.root.dataset.training);
    if (!this.busy) this.stopButton.hidden = !trainingMine;
    this.stopButton.textContent = trainingMine ? 'Stop my code (restarts Python)' : 'Stop (restart Python)';
  }

  /** Python was restarted (by us or by "Reload worker"): say so beside the editor. */
  pythonRestarted(note) {
    // The request that ran the student's code went down with the old worker and never answers
    // (the page ends that worker without rejecting its calls), so the panel is not busy any more.
    this.busy = false;
    this.stopButton.hidden = true;
    this.update();
    this.restartNote = note || null; // shown once the pieces are loaded again
    if (note && this.pieces.size) this.showMessage('error', note);
  }

  // ------------------------------------------------------------ links from other views

  /** Opens a piece (from the step-through table, for example). */
  show(id) {
    if (this.pieces.has(id)) this.open('piece', id, true);
  }

  link(id, label) {
    const a = el('a', { href: '#code-heading', className: 'code-ref', textContent: 'code' });
    a.dataset.piece = id;
    a.setAttribute('aria-label', label);
    a.addEventListener('click', (e) => {
      e.preventDefault();
      this.show(id);
    });
    return a;
  }
}

// Which settings decide the pieces a run uses (marked in the list).
const settingsOf = (controls) => {
  const { activation, optimizer } = controls.texts();
  return { activation, optimizer };
};

/**
 * Mounts the panel in `container`: the page's view of it (update on events) and `link(piece,
 * label)`, a link that opens a piece here (the step-through table uses it).
 * @param {HTMLElement} container
 * @param {object} page  see CodePanel
 */
export function mountCodePanel(container, page) {
  const panel = new CodePanel(container, page);
  let marked = null;
  page.controls.onChange(() => {
    const now = settingsOf(page.controls);
    if (JSON.stringify(now) === JSON.stringify(marked)) return; // another field changed
    marked = now;
    panel.settingsChanged(now);
  });
  return {
    update(event, state) {
      if (event.event === 'state' && event.state !== event.previous) panel.update(state.state);
      if (event.event === 'ready') {
        marked = settingsOf(page.controls);
        panel.load(marked);
      }
      if (event.event === 'restarted') panel.pythonRestarted(event.note);
    },
    link: (id, label) => panel.link(id, label),
  };
}
