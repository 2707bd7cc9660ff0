// Where it goes wrong: the confusion matrix on the test set (rows: the true class, columns: the
// guess), accuracy per class, the test images behind any cell, and the most confident mistakes.
// Why: "89% accurate" hides that shirts and T-shirts get mixed up; the matrix shows where.

import { Gallery } from '../widgets/gallery.js';
import { isProgress, read } from '../page/store.js';


export class MistakesView {
  /** @param {HTMLElement} card  @param {object} app  the page's glass-box context */
  constructor(card, app) {
    this.app = app;
    this.card = card;
    this.result = null;
    card.insertAdjacentHTML('beforeend', `
      <p class="explain">Each row is what an image really shows, each column what the network
        guessed; the diagonal holds the right answers, and “Right” is the share of each class named
        correctly. Click a number to see those test images.</p>
      <div class="mistakes-layout">
      <div class="mistakes-matrix">
      <div class="button-row">
        <button type="button" class="evaluate">Evaluate on the test set</button>
        <span class="evaluate-summary muted"></span>
      </div>
      <div class="confusion-wrap">
        <table class="confusion" data-testid="confusion-matrix">
          <caption class="visually-hidden">Confusion matrix: rows are true classes, columns are guesses</caption>
        </table>
      </div>
      </div>
      <div class="mistakes-images">
      <p class="cell-title empty">Click a cell to see its images.</p>
      <div class="gallery cell-images" aria-live="polite"></div>
      <h3>Most confident mistakes</h3>
      <p class="explain">Wrong guesses the network was surest about: often the label is debatable.</p>
      <div class="gallery mistake-images" aria-live="polite"></div>
      </div>
      </div>`);
    this.button = card.querySelector('.evaluate');
    this.summary = card.querySelector('.evaluate-summary');
    this.table = card.querySelector('.confusion');
    this.cellTitle = card.querySelector('.cell-title');
    this.cellGallery = new Gallery(card.querySelector('.cell-images'));
    this.mistakeGallery = new Gallery(card.querySelector('.mistake-images'));
    this.setClasses(read().classes);
    this.clear();
    this.button.addEventListener('click', () => this.evaluate());
    // The matrix is one tab stop: arrow keys (and Home/End) move between its cells.
    this.table.addEventListener('keydown', (e) => {
      const cell = e.target.closest('[data-testid=confusion-cell]');
      const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      if (!cell || !(e.key in moves || e.key === 'Home' || e.key === 'End')) return;
      e.preventDefault();
      let i = Number(cell.dataset.true);
      let j = Number(cell.dataset.predicted);
      if (e.key === 'Home') j = 0;
      else if (e.key === 'End') j = 9;
      else {
        i = Math.max(0, Math.min(9, i + moves[e.key][0]));
        j = Math.max(0, Math.min(9, j + moves[e.key][1]));
      }
      const next = this.table.querySelector(`[data-true="${i}"][data-predicted="${j}"]`);
      if (!next) return;
      cell.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
    });
    this.table.addEventListener('click', (e) => {
      const cell = e.target.closest('[data-testid=confusion-cell]');
      if (cell) this.showCell(Number(cell.dataset.true), Number(cell.dataset.predicted));
    });
  }

  update(event, state) {
    switch (event.event) {
      case 'done':
      case 'stopped':
        this.evaluate(); // the run's end: its matrix
        break;
      case 'run':
        this.clear('Training… the matrix appears when the run ends (or press the button).');
        break;
      case 'stepping':
        this.clear('The network is new: evaluate it once it has learned something.');
        break;
      case 'model':
        this.clear('A different model: press the button to evaluate it.');
        break;
      case 'edited':
        this.markStale(event.note);
        break;
      case 'ready':
        this.setClasses(state.classes);
        break;
      default:
        break;
    }
    if (isProgress(event)) return;
    const usable = !['loading', 'error'].includes(state.state) && state.hasModel;
    this.button.disabled = !usable || !state.data;
  }

  setClasses(names) {
    this.classes = names;
    this.cellGallery.setClasses(names);
    this.mistakeGallery.setClasses(names);
  }

  clear(text = 'No evaluation yet: train a model, or press the button.') {
    this.result = null;
    this.summary.textContent = text;
    this.table.querySelectorAll('thead, tbody').forEach((el) => el.remove());
    this.cellTitle.textContent = 'Click a cell to see its images.';
    this.cellGallery.container.replaceChildren();
    this.mistakeGallery.container.replaceChildren();
  }

  /** The network changed (a step, fine-tuning): keep the matrix, but say it is from before. */
  markStale(text) {
    if (!this.result) {
      this.clear(text);
      return;
    }
    this.summary.textContent = `${text} (The matrix below is from before the change.)`;
  }

  /** Runs the model on every test image (in Python) and redraws the matrix and the mistakes. */
  async evaluate() {
    this.button.disabled = true;
    this.summary.textContent = 'Evaluating…';
    try {
      const result = await this.app.call('evaluate');
      this.show(result);
      const mistakes = await this.app.call('mistakes', { limit: 12 });
      this.showTiles(this.mistakeGallery, mistakes.items, 'No mistakes at all on the test set.');
    } catch (err) {
      this.summary.textContent = err.hint ? `${err.message}. ${err.hint}` : err.message;
    } finally {
      this.button.disabled = false;
    }
  }

  show(result) {
    this.result = result;
    const names = this.classes;
    const total = result.confusion.flat().reduce((a, b) => a + b, 0);
    this.summary.textContent = `${(result.test_accuracy * 100).toFixed(1)}% right on ${total.toLocaleString('en')} test images (loss ${result.test_loss.toFixed(3)}).`;
    this.table.querySelectorAll('thead, tbody').forEach((el) => el.remove());
    const head = document.createElement('thead');
    const hr = document.createElement('tr');
    hr.innerHTML = '<th scope="col" class="corner">true ↓ · guess →</th>';
    // A word per class for the narrow columns (webapi.options().short_classes), the full name on hover.
    read().schema.short_classes.forEach((short, j) => {
      const th = document.createElement('th');
      th.scope = 'col';
      th.className = 'guess-col';
      th.title = names[j];
      th.textContent = short;
      hr.append(th);
    });
    hr.insertAdjacentHTML('beforeend', '<th scope="col" class="per-class">Right</th>');
    head.append(hr);
    const body = document.createElement('tbody');
    result.confusion.forEach((row, i) => {
      const rowTotal = row.reduce((a, b) => a + b, 0) || 1;
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = names[i];
      tr.append(th);
      row.forEach((count, j) => {
        const td = document.createElement('td');
        const share = count / rowTotal;
        const strength = i === j ? share : Math.min(1, share * 3);
        // Capped so the count stays readable (4.5:1 or better) in the darkest cell, light or dark scheme.
        td.style.background = i === j ? `rgba(47, 133, 90, ${0.12 + 0.55 * strength})` : (count ? `rgba(197, 48, 48, ${0.1 + 0.55 * strength})` : '');
        const button = document.createElement('button');
        button.type = 'button';
        button.dataset.testid = 'confusion-cell';
        button.setAttribute('data-testid', 'confusion-cell');
        button.dataset.true = String(i);
        button.dataset.predicted = String(j);
        button.textContent = String(count);
        button.setAttribute('aria-label', `${count} ${names[i]} images guessed as ${names[j]}`);
        if (!count) button.classList.add('zero');
        button.tabIndex = i === 0 && j === 0 ? 0 : -1; // one tab stop; arrow keys move inside
        td.append(button);
        tr.append(td);
      });
      const acc = document.createElement('td');
      acc.className = 'per-class';
      acc.textContent = `${Math.round(result.per_class_accuracy[i] * 100)}%`;
      tr.append(acc);
      body.append(tr);
    });
    this.table.append(head, body);
  }

  async showCell(trueClass, predicted) {
    const names = this.classes;
    const what = trueClass === predicted ? `${names[trueClass]} images guessed right`
      : `${names[trueClass]} images the network called ${names[predicted]}`;
    this.cellTitle.textContent = `${what}:`;
    this.cellTitle.classList.remove('empty');
    try {
      const { items } = await this.app.call('confusion_cell', { true: trueClass, predicted, limit: 24 });
      this.showTiles(this.cellGallery, items, 'No test images in this cell.');
    } catch (err) {
      this.cellGallery.message(err.hint ? `${err.message}. ${err.hint}` : err.message);
    }
  }

  showTiles(gallery, items, emptyText) {
    if (!items.length) {
      gallery.message(emptyText);
      return;
    }
    gallery.show({ items });
    [...gallery.container.children].forEach((tile, k) => {
      tile.dataset.index = String(items[k].index);
    });
  }
}

/** The glass-box view contract (glassbox.js): fills `card`, hears every event through `update`. */
export function mount(card, ctx) {
  return new MistakesView(card, ctx);
}
