// What the code panel offers: the pieces Python can show (each marked when a run with the
// current settings uses it) and the guided exercises, asked of glassnet.pieces and
// glassnet.exercises through the worker, and their two lists in the panel's navigation.

import { el } from '../widgets/el.js';

/** The exercise a link names (`#exercise=<id>`), or null. */
export function exerciseFromHash(hash) {
  return new URLSearchParams(hash.replace(/^#/, '')).get('exercise');
}

/** Which settings decide the pieces a run uses (marked in the list). */
export function settingsOf(controls) {
  const { activation, optimizer } = controls.texts();
  return { activation, optimizer };
}

export class Catalogue {
  /** @param {Function} call  the worker's webapi call (name, kwargs) */
  constructor(call) {
    this.call = call;
    this.pieces = new Map();
    this.exercises = new Map();
    this.inUse = [];
  }

  /** Once Python is ready (and again after it restarts): the pieces and the exercises. */
  async load(settings = {}) {
    const [listing, { exercises }] = await Promise.all([
      this.call('code_pieces', settings), this.call('exercises', {}),
    ]);
    this.pieces = new Map(listing.pieces.map((p) => [p.id, p]));
    this.inUse = listing.in_use;
    this.exercises = new Map(exercises.map((e) => [e.id, e]));
  }

  /** The settings changed: which pieces a run with them uses. */
  async mark(settings) {
    this.inUse = (await this.call('code_pieces', settings)).in_use;
  }

  /** The exercise `{kind, id}` names (null for a piece), and the piece it shows. */
  find({ kind, id }) {
    const exercise = kind === 'exercise' ? this.exercises.get(id) ?? null : null;
    return { exercise, piece: this.pieces.get(exercise ? exercise.piece : id) ?? null };
  }

  /** Fills the two lists; a click on an item calls open(kind, id). */
  render(pieceList, exerciseList, open) {
    const item = (kind, id, text, extra = '') => {
      const button = el('button', { type: 'button', className: `code-link ${extra}`.trim(), textContent: text });
      button.dataset.kind = kind;
      button.dataset.id = id;
      if (kind === 'exercise') button.dataset.testid = 'exercise';
      button.addEventListener('click', () => open(kind, id));
      return el('li', {}, button);
    };
    const ordered = [...this.inUse, ...[...this.pieces.keys()].filter((id) => !this.inUse.includes(id))];
    pieceList.replaceChildren(...ordered.filter((id) => this.pieces.has(id)).map((id) => {
      const used = this.inUse.includes(id);
      const li = item('piece', id, this.pieces.get(id).title, used ? 'in-use' : '');
      if (used) li.firstChild.title = 'Used by a run with the current settings';
      return li;
    }));
    exerciseList.replaceChildren(...[...this.exercises.values()].map((e) => item('exercise', e.id, e.title)));
  }
}
