// Share an experiment: the training settings live in the URL hash
// (#preset=lesson&layers=128&lr=0.002…), so a link opens the page with the same settings.
// Why: a teacher can send one link and every student starts from the same experiment.
//
// The keys are the option names of the schema (glassnet/presets.py, via controls.js): the basic
// settings are always written, the others only when they differ from the preset.

/** The form as a hash: the preset, then settings; commas kept readable. */
export function formToHash(controls) {
  const base = controls.base ?? controls.preset.value;
  const parts = [`preset=${encodeURIComponent(base)}`];
  const preset = controls.schema?.presets[base]?.values ?? {};
  const texts = controls.texts();
  for (const option of controls.options) {
    const text = texts[option.name].replace(/\s+/g, '');
    const fromPreset = option.kind === 'layers' && Array.isArray(preset[option.name])
      ? preset[option.name].join(',') : String(preset[option.name]);
    if (!option.basic && text === fromPreset) continue;
    parts.push(`${option.name}=${encodeURIComponent(text).replace(/%2C/gi, ',')}`);
  }
  const dataset = controls.schema?.dataset?.name; // the data set these settings were made for
  if (dataset) parts.push(`dataset=${encodeURIComponent(dataset)}`);
  return `#${parts.join('&')}`;
}

/**
 * Puts a hash's settings into the form. Returns the keys it could not use (in words), so the
 * page can say so instead of silently training something else. Values are put in as they are:
 * Python checks them (check_config) and a bad one is shown at its field.
 */
export function applyHash(hash, controls) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const problems = [];
  if (![...params.keys()].length) return problems;
  const preset = params.get('preset');
  if (preset !== null) {
    if (controls.schema.presets[preset]) controls.fillFromPreset(preset);
    else problems.push(`preset=${preset}`);
  }
  for (const [key, value] of params) {
    if (key === 'preset') continue;
    if (key === 'dataset') { // a link made on another data set cannot be trained on this one
      if (value !== controls.schema?.dataset?.name) problems.push(`dataset=${value}`);
      continue;
    }
    const option = controls.option(key);
    if (!option) {
      problems.push(`${key}=${value}`);
      continue;
    }
    const input = controls.input(key);
    if (input instanceof HTMLSelectElement && ![...input.options].some((o) => o.value === value)) {
      problems.push(`${key}=${value}`);
      continue;
    }
    input.value = value;
  }
  controls.matchPreset();
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
    app.controls.onChange(() => this.writeHash());
    window.addEventListener('hashchange', () => {
      if (location.hash !== this.written) {
        this.readHash();
        this.writeHash(); // the full settings, so the link is complete
      }
    });
  }

  update(event) {
    if (event.event === 'ready') this.start();
  }

  /** Once the schema is known: the link's settings win over the preset's. */
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
    if (location.hash.length > 1) this.check();
  }

  /** Asks Python whether the settings are usable; a bad one is shown at its field. */
  async check() {
    try {
      await this.app.call('check_config', { config: this.app.controls.config() });
    } catch (err) {
      if (err.option) this.app.controls.showFieldError(err.option, `${err.message} (from the link)`);
    }
  }

  writeHash() {
    if (!this.live) return;
    const hash = formToHash(this.app.controls);
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
    if (this.app.controls.preset.disabled) {
      this.messageEl.textContent = 'Stop training first: settings cannot change during a run.';
      return;
    }
    this.app.controls.fillFromPreset('seed');
    this.app.controls.changed();
    this.messageEl.textContent = 'Settings of the seed preset loaded: press Train in section 2.';
  }
}

/** The glass-box view contract (glassbox.js): fills `card`, hears every event through `update`. */
export function mount(card, ctx) {
  return new ShareView(card, ctx);
}
