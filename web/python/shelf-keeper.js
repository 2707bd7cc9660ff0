// A copy, on the page's side, of every finished model on the shelf, so a restarted Python gets
// the whole shelf back.
//
// Why: Python is restarted when student code is stuck inside one C call, and a crashed worker is
// reloaded. The shelf lives in Python, so without copies the session's runs and fine-tunes would
// vanish with it. Each finished model is copied once (webapi.model_file: its .npz, a few hundred
// KB for the lesson's network), copies follow the shelf (a model that leaves it is forgotten),
// and restore() puts them back in order: names, kinds, accuracies, labels and undo targets.
// A step-through network changes after its copy is taken; it comes back as it was then.
//
// Each model comes back on its own: one that cannot (Python refused its copy, e.g. a diverged
// run whose weights are NaN, flagged "diverged" on the shelf) is skipped and named, and the
// others still come back. restore() says which, so the page can tell the truth about it.

export class ShelfKeeper {
  /** @param {(name: string, kwargs?: object) => Promise<any>} call  bridge.call of the live worker */
  constructor(call) {
    this.call = call;
    // shelf id -> {model: the shelf entry, file: Uint8Array, refused: why Python gave no copy}
    this.copies = new Map();
    this.order = []; // shelf ids in shelf order
    this.active = null;
    this.pending = Promise.resolve();
    this.frozen = false;
  }

  /**
   * Python is being restarted: until restore(), shelf events come from the new Python's start-up
   * (the pretrained model alone) and must not make the keeper forget the old shelf.
   */
  freeze() {
    this.frozen = true;
    // A copy that was in flight went down with the old worker and never settles: later copies
    // must not queue behind it.
    this.pending = Promise.resolve();
  }

  /** A "shelf" event: copy the models that are new and finished, forget the ones that left. */
  update(shelf) {
    if (this.frozen) return;
    this.order = shelf.models.map((m) => m.id);
    this.active = shelf.active;
    for (const id of [...this.copies.keys()]) {
      if (!this.order.includes(id)) this.copies.delete(id);
    }
    for (const model of shelf.models) {
      const copy = this.copies.get(model.id);
      if (copy) {
        copy.model = model; // name, labels and accuracy may change after the copy
      } else if (!inProgress(model)) {
        this.copies.set(model.id, { model, file: null });
        this.pending = this.pending.then(() => this.copyOut(model.id));
      }
    }
  }

  async copyOut(id) {
    const copy = this.copies.get(id);
    if (!copy || copy.file) return;
    try {
      copy.file = await this.call('model_file', { model: id });
    } catch (err) {
      // Python stopped meanwhile: nothing to keep, the next Python's shelf decides. Otherwise it
      // refused (a diverged model): remember why, and do not ask again at every shelf event.
      if (this.frozen) this.copies.delete(id);
      else copy.refused = err.message;
    }
  }

  /** How many models restore() would bring back. */
  get size() {
    return this.order.filter((id) => this.copies.get(id)?.file).length;
  }

  /**
   * Puts the kept models on the new Python's shelf (replacing what boot loaded), one by one, and
   * makes the one that was active active again (or the last restored one). A model whose copy
   * was refused or does not load is skipped and named. Returns {restored, total, failed:
   * [{name, reason}]}: total counts every finished model the old shelf held.
   */
  async restore() {
    const finished = this.order.map((id) => this.copies.get(id)).filter(Boolean);
    const newIds = new Map();
    const failed = [];
    try {
      for (const copy of finished) {
        if (!copy.file) {
          failed.push({ name: copy.model.name, reason: copy.refused ?? 'no copy of it was taken' });
          continue;
        }
        try {
          await this.putBack(copy, newIds);
        } catch (err) {
          failed.push({ name: copy.model.name, reason: err.message });
        }
      }
      if (newIds.size) {
        const target = newIds.get(this.active) ?? [...newIds.values()].at(-1);
        await this.call('select_model', { model: target });
        this.active = target;
      }
    } finally {
      // Keep the copies under the new shelf's ids (the restored ones need no second copy).
      const rekeyed = new Map();
      for (const { model, file } of finished) {
        const id = newIds.get(model.id);
        if (id) rekeyed.set(id, { model: { ...model, id }, file });
      }
      this.copies = rekeyed;
      this.order = [...rekeyed.keys()];
      this.frozen = false;
    }
    return { restored: newIds.size, total: finished.length, failed };
  }

  /** One copy onto the new shelf (the first one restored replaces what boot loaded). */
  async putBack({ model, file }, newIds) {
    const entry = await this.call('restore_model', {
      data: file, name: model.name, kind: model.kind, status: model.status,
      parent: newIds.get(model.parent) ?? null, replace: newIds.size === 0,
    });
    newIds.set(model.id, entry.id);
    if (model.flags && Object.keys(model.flags).length) {
      await this.call('label_model', { model: entry.id, ...model.flags });
    }
  }
}

function inProgress(model) {
  return model.kind === 'run' && (model.status === 'new' || model.status === 'training');
}
