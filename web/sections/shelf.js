// The model shelf (section 1): every model of this session, from webapi's shelf events, and the
// line naming the active one. One is active; "Use" makes another active for every view. Python
// keeps the models (webapi.shelf); this view only draws the list and asks for a switch.
//
// Why: the pretrained model, each run, each fine-tune and each loaded file are worth comparing,
// and none may disappear because another button was pressed.

const KIND_WORDS = {
  pretrained: 'pretrained', file: 'loaded file', run: 'training run', step: 'step-through',
  'fine-tune': 'fine-tuned', example: 'example',
};

// While these last, the active model cannot change (Python refuses too; this says it first).
const NO_SWITCH = ['loading', 'error', 'training', 'paused'];

function percent(v) {
  return typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : 'not measured';
}

export class ShelfView {
  /**
   * @param {HTMLElement} root  an empty element in the data & model card
   * @param {{call: Function, onError: Function, summary: HTMLElement}} page  summary: the line
   *   that names the active model
   */
  constructor(root, page) {
    this.root = root;
    this.page = page;
    this.state = null;
    this.pageState = 'loading';
    root.innerHTML = `
      <h3 class="shelf-title">Models in this session</h3>
      <ul class="shelf" data-testid="model-shelf" aria-label="Models in this session"></ul>
      <p class="shelf-note muted"></p>
      <p class="control-error" data-testid="field-error" role="alert" hidden></p>`;
    this.list = root.querySelector('.shelf');
    this.note = root.querySelector('.shelf-note');
    this.error = root.querySelector('.control-error');
    this.list.addEventListener('click', (e) => {
      const button = e.target.closest('button[data-model]');
      if (button && !button.disabled) this.select(button.dataset.model);
    });
    this.render();
  }

  /** The active model's shelf entry, or null. */
  active() {
    return this.state?.models.find((m) => m.active) ?? null;
  }

  /** Python's "shelf" event (the list as it is now) and the page state (Use works or not). */
  update(event, state) {
    if (event.event === 'shelf') {
      this.state = event;
      this.describeActive();
    }
    if (event.event === 'shelf' || event.event === 'state') {
      this.pageState = state.state;
      this.render();
    }
  }

  describeActive() {
    const active = this.active();
    if (!active) return;
    const what = active.kind === 'run' && (active.status === 'training' || active.status === 'new') ? 'Training' : 'Active';
    this.page.summary.textContent = `${what}: ${active.name} · ${active.summary}.`;
  }

  render() {
    const models = this.state?.models ?? [];
    const canSwitch = !NO_SWITCH.includes(this.pageState);
    this.list.replaceChildren(...models.slice().reverse().map((m) => {
      const li = document.createElement('li');
      li.dataset.testid = 'model-item';
      li.dataset.model = m.id;
      li.dataset.kind = m.kind;
      li.dataset.active = String(m.active);
      const text = document.createElement('div');
      text.className = 'shelf-text';
      const name = document.createElement('strong');
      name.textContent = m.name;
      const detail = document.createElement('span');
      detail.className = 'muted';
      const status = m.status && m.status !== 'done' && m.status !== 'new' ? `, ${m.status}` : '';
      const code = m.flags?.student_code ? ' · your code' : '';
      detail.textContent = `${KIND_WORDS[m.kind] ?? m.kind}${status} · ${m.summary} · test accuracy ${percent(m.test_accuracy)}${code}`;
      text.append(name, detail);
      if (m.flags?.diverged) { // NaN weights: kept to look at, but no copy survives a restart
        li.dataset.diverged = 'true';
        const warn = document.createElement('span');
        warn.className = 'shelf-diverged';
        warn.textContent = 'diverged (NaN weights): lost if Python restarts';
        text.append(warn);
      }
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.model = m.id;
      button.className = m.active ? 'quiet' : '';
      button.textContent = m.active ? 'In use' : 'Use';
      button.setAttribute('aria-pressed', String(m.active));
      button.setAttribute('aria-label', `${m.active ? 'In use' : 'Use'}: ${m.name}`);
      button.disabled = m.active || !canSwitch;
      li.append(text, button);
      return li;
    }));
    if (!models.length) {
      this.note.textContent = 'No model yet: train one or load a saved .npz file.';
    } else {
      const limit = this.state.limit;
      const dropped = this.state.dropped ? ` ${this.state.dropped} older model${this.state.dropped === 1 ? ' was' : 's were'} dropped to save memory.` : '';
      this.note.textContent = `Up to ${limit} models are kept; past that the oldest one that is not in use goes (the pretrained model stays).${dropped}`;
    }
  }

  async select(id) {
    this.error.hidden = true;
    try {
      await this.page.call('select_model', { model: id });
    } catch (err) {
      this.error.textContent = err.hint ? `${err.message}. ${err.hint}` : err.message;
      this.error.hidden = false;
      this.page.onError(err);
    }
  }
}

/**
 * The view contract: `root` is the data & model card; the shelf fills its `.shelf-view` and keeps
 * its `[data-active-model-line]` (the line naming the active model).
 */
export function mount(root, ctx) {
  return new ShelfView(root.querySelector('.shelf-view'), {
    call: ctx.call, onError: (err) => ctx.setStatus(err.message), summary: root.querySelector('[data-active-model-line]'),
  });
}
