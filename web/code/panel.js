// Section 7, "Read and change the code": the real source of the pieces that train the network
// (read from the loaded package by Python's inspect, so it is exactly what runs), an editor for
// a student's own version, its check (finite differences, or the reference optimizer), training
// with it, and guided exercises.
//
// Every check and every swap is done by Python (glassnet.pieces, glassnet.exercises) through the
// worker's `call`. The parts: catalogue.js (what there is to read), runner.js (Check, Train with
// it, Reset, Stop), report.js (the verdicts), editor.js (the editor and the highlighted source);
// this module shows a piece or an exercise and follows the page.

import { Catalogue, exerciseFromHash, settingsOf } from './catalogue.js';
import { CodeEditor, renderSource } from './editor.js';
import { Report } from './report.js';
import { Runner } from './runner.js';
import { el } from '../widgets/el.js';

const MARKUP = `
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

export class CodePanel {
  /** @param {HTMLElement} root  an empty <section>  @param {object} ctx  the page's view context */
  constructor(root, ctx) {
    this.ctx = ctx;
    this.catalogue = new Catalogue(ctx.call);
    this.runner = new Runner(this, ctx);
    this.current = null; // {kind: 'piece' | 'exercise', id}
    this.drafts = new Map(); // what the student wrote, per piece or exercise, kept while switching
    this.wantedExercise = exerciseFromHash(location.hash);
    this.build(root);
  }

  build(root) {
    root.classList.add('card', 'code-section');
    root.setAttribute('aria-labelledby', 'code-heading');
    root.innerHTML = MARKUP;
    const q = (sel) => root.querySelector(sel);
    this.root = root;
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
    this.checkButton = q('[data-testid="code-check"]');
    this.trainButton = q('[data-testid="code-train"]');
    this.resetButton = q('[data-testid="code-reset"]');
    this.stopButton = q('.code-stop');
    this.linkField = q('.exercise-link');
    this.editor = new CodeEditor(q('.code-editor-host'), (text) => this.drafts.set(this.key(), text));
    this.report = new Report(q('.check-result'), this.editor);
    this.checkButton.addEventListener('click', () => this.runner.check());
    this.trainButton.addEventListener('click', () => this.runner.trainWithIt());
    this.resetButton.addEventListener('click', () => this.runner.reset());
    this.stopButton.addEventListener('click', () => this.runner.stop());
    this.linkField.addEventListener('focus', () => this.linkField.select());
    window.addEventListener('hashchange', () => {
      const wanted = exerciseFromHash(location.hash);
      if (wanted && this.catalogue.exercises.has(wanted)) this.open('exercise', wanted, true);
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
      await this.catalogue.load(settings);
      this.renderLists();
      if (this.wantedExercise && this.catalogue.exercises.has(this.wantedExercise)) {
        this.open('exercise', this.wantedExercise, true);
        this.wantedExercise = null;
      } else if (this.current) {
        this.open(this.current.kind, this.current.id);
      } else {
        this.open('piece', this.catalogue.inUse[0] ?? 'dense');
      }
      if (this.restartNote) this.report.message('error', this.restartNote);
      this.restartNote = null;
    } catch (err) {
      this.pieceList.replaceChildren(el('li', { className: 'muted', textContent: `The code could not be read: ${err.message}` }));
    }
    this.update();
  }

  /** The run's settings changed: mark the pieces it uses. */
  async settingsChanged(settings) {
    if (!this.catalogue.pieces.size) return;
    try {
      await this.catalogue.mark(settings);
      this.renderLists();
    } catch (_) { /* the marks stay as they were */ }
  }

  renderLists() {
    this.catalogue.render(this.pieceList, this.exerciseList, (kind, id) => this.open(kind, id, kind === 'exercise'));
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
    const { exercise, piece } = this.catalogue.find({ kind, id });
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

  clearResult() {
    this.report.clear();
    const { piece } = this.current ? this.catalogue.find(this.current) : {};
    if (piece) this.showSource(piece);
  }

  // ------------------------------------------------------------ the page's state

  update(state = this.ctx.getState()) {
    const { busy } = this.runner;
    const ready = state !== 'loading' && state !== 'error' && this.catalogue.pieces.size > 0;
    const running = state === 'training' || state === 'paused';
    this.checkButton.disabled = !ready || busy;
    this.trainButton.disabled = !ready || busy || running;
    this.resetButton.disabled = !ready || busy;
    // While a run trains with the student's code, a loop Python cannot interrupt would leave
    // the page's own Stop unanswered: this one restarts Python instead.
    if (!running) delete this.root.dataset.training;
    const trainingMine = running && Boolean(this.root.dataset.training);
    if (!busy) this.stopButton.hidden = !trainingMine;
    this.stopButton.textContent = trainingMine ? 'Stop my code (restarts Python)' : 'Stop (restart Python)';
  }

  /** Python was restarted (by us or by "Reload worker"): say so beside the editor. */
  pythonRestarted(note) {
    // The request that ran the student's code went down with the old worker and never answers
    // (the page ends that worker without rejecting its calls), so the panel is not busy any more.
    this.runner.busy = false;
    this.stopButton.hidden = true;
    this.update();
    this.restartNote = note || null; // shown once the pieces are loaded again
    if (note && this.catalogue.pieces.size) this.report.message('error', note);
  }

  // ------------------------------------------------------------ links from other views

  /** A link that opens a piece here (the step-through table uses it, through ctx.codeLink). */
  link(id, label) {
    const a = el('a', { href: '#code-heading', className: 'code-ref', textContent: 'code' });
    a.dataset.piece = id;
    a.setAttribute('aria-label', label);
    a.addEventListener('click', (e) => {
      e.preventDefault();
      if (this.catalogue.pieces.has(id)) this.open('piece', id, true);
    });
    return a;
  }
}

/**
 * The view contract: mounts the panel in `root`; returns its view (update on events) and
 * `link(piece, label)`, a link that opens a piece here (app.js offers it as ctx.codeLink).
 */
export function mount(root, ctx) {
  const panel = new CodePanel(root, ctx);
  let marked = null;
  ctx.controls.onChange(() => {
    const now = settingsOf(ctx.controls);
    if (JSON.stringify(now) === JSON.stringify(marked)) return; // another field changed
    marked = now;
    panel.settingsChanged(now);
  });
  return {
    update(event, state) {
      if (event.event === 'state' && event.state !== event.previous) panel.update(state.state);
      if (event.event === 'ready') {
        marked = settingsOf(ctx.controls);
        panel.load(marked);
      }
      if (event.event === 'restarted') panel.pythonRestarted(event.note);
    },
    link: (id, label) => panel.link(id, label),
  };
}
