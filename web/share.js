// Share an experiment: the training settings live in the URL hash
// (#preset=default&layers=128&lr=0.001…), so a link opens the page with the same settings.
// Why: a teacher can send one link and every student starts from the same experiment.

// Hash key -> form field id; the keys are webapi.start()'s config keys.
const FIELDS = {
  layers: 'hidden',
  activation: 'activation',
  optimizer: 'optimizer',
  lr: 'learning-rate',
  batch_size: 'batch-size',
  epochs: 'epochs',
  dropout: 'dropout',
  weight_decay: 'weight-decay',
  seed: 'seed',
};

const byId = (id) => document.getElementById(id);

/** The form as a hash: every setting, commas kept readable. */
export function formToHash() {
  const parts = [`preset=${encodeURIComponent(byId('preset').value)}`];
  for (const [key, id] of Object.entries(FIELDS)) {
    const value = byId(id).value.replace(/\s+/g, '');
    parts.push(`${key}=${encodeURIComponent(value).replace(/%2C/gi, ',')}`);
  }
  return `#${parts.join('&')}`;
}

/**
 * Puts a hash's settings into the form. Returns the settings it could not use (in words), so
 * the page can say so instead of silently training something else.
 */
export function applyHash(hash, controls) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const problems = [];
  if (![...params.keys()].length) return problems;
  const preset = params.get('preset');
  const select = byId('preset');
  if (preset !== null) {
    if ([...select.options].some((o) => o.value === preset && !o.disabled)) select.value = preset;
    else problems.push(`preset=${preset}`);
  }
  controls.fillFromPreset(select.value);
  for (const [key, id] of Object.entries(FIELDS)) {
    if (!params.has(key)) continue;
    const value = params.get(key);
    const el = byId(id);
    if (el instanceof HTMLSelectElement) {
      if ([...el.options].some((o) => o.value === value)) el.value = value;
      else problems.push(`${key}=${value}`);
    } else {
      el.value = value;
    }
  }
  return problems;
}

export class ShareView {
  /** @param {HTMLElement} card  @param {object} app  the page's glass-box context */
  constructor(card, app) {
    this.app = app;
    this.card = card;
    this.live = false;
    card.insertAdjacentHTML('beforeend', `
      <p class="explain">The settings of section 2 are part of this page's address, so a link
        opens the page with the same experiment.</p>
      <div class="button-row">
        <button type="button" class="share-button" data-testid="share-link">Copy share link</button>
        <button type="button" class="reproduce" data-testid="reproduce">Reproduce the starting point (seed preset)</button>
      </div>
      <label class="share-label" for="share-url">Link</label>
      <input id="share-url" class="share-url" type="text" readonly>
      <p class="share-message muted" aria-live="polite"></p>`);
    this.url = card.querySelector('.share-url');
    this.messageEl = card.querySelector('.share-message');
    card.querySelector('.share-button').addEventListener('click', () => this.copy());
    card.querySelector('.reproduce').addEventListener('click', () => this.reproduce());
    this.url.addEventListener('focus', () => this.url.select());
    byId('config-form').addEventListener('input', () => this.writeHash());
    byId('config-form').addEventListener('change', () => this.writeHash());
    window.addEventListener('hashchange', () => {
      if (location.hash !== this.written) {
        this.readHash();
        this.writeHash(); // the full settings, so the link is complete
      }
    });
  }

  /** Once the presets are known: the link's settings win over the preset's. */
  start() {
    this.readHash();
    this.live = true;
    this.writeHash();
  }

  readHash() {
    const problems = applyHash(location.hash, this.app.controls);
    if (problems.length) {
      this.app.showError({
        message: `This link has settings the page does not know: ${problems.join(', ')}.`,
        hint: 'The preset\'s values are used for those; check section 2 before training.',
      });
    }
    this.url.value = location.href;
  }

  writeHash() {
    if (!this.live) return;
    const hash = formToHash();
    this.written = hash;
    if (location.hash !== hash) history.replaceState(null, '', hash);
    this.url.value = location.href;
  }

  async copy() {
    this.writeHash();
    try {
      await navigator.clipboard.writeText(location.href);
      this.messageEl.textContent = 'Link copied: paste it into an email or chat.';
    } catch (_) {
      this.url.focus();
      this.url.select();
      this.messageEl.textContent = 'Copy the selected link (Ctrl+C or ⌘C).';
    }
  }

  reproduce() {
    if (byId('preset').disabled) {
      this.messageEl.textContent = 'Stop training first: settings cannot change during a run.';
      return;
    }
    const select = byId('preset');
    select.value = 'seed';
    select.dispatchEvent(new Event('change', { bubbles: true })); // fills the form, updates the hash
    this.messageEl.textContent = 'Settings of the seed preset loaded: press Train in section 2.';
  }
}
