// Step through backpropagation: one mini-batch at a time (webapi.step), with what flowed
// forward (each layer's mean, spread and share of zeros) and backward (gradient norms, and the
// size of each update relative to its weights) in a table.
// Why: vanishing and exploding gradients are invisible in a loss curve but obvious here, where
// the first layer's gradient is a million times smaller than the last one's.

import { getState } from '../page/status.js';
import { isProgress, read } from '../page/store.js';


function sci(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 0.01 && a < 1000 ? v.toFixed(3) : v.toExponential(1);
}

/** Where a positive number sits on a log scale from 1e-10 to 1e2, as a share of the bar. */
function logShare(v) {
  if (!(v > 0)) return 0;
  return Math.max(0, Math.min(1, (Math.log10(v) + 10) / 12));
}

// Health words (stalled / healthy / unstable), their thresholds and the verdict sentence come
// from Python (glassbox.inspect_step): this view only draws them.

export class Stepper {
  /** @param {HTMLElement} card  @param {object} app  the page's glass-box context */
  constructor(card, app) {
    this.app = app;
    this.card = card;
    this.busy = false;
    card.insertAdjacentHTML('beforeend', `
      <p class="explain">Train one mini-batch at a time and see, for every layer, the values going
        forward and the gradients coming back. An update ratio around 0.001 is healthy; far below
        means that layer has stopped learning (vanishing gradients), far above means it is unstable.</p>
      <div class="button-row">
        <button type="button" class="primary step-button" data-testid="step">Step</button>
        <button type="button" class="step-ten">10 steps</button>
        <button type="button" class="step-fresh">New run from the settings</button>
        <button type="button" class="step-sigmoid" data-testid="sigmoid-example">Example: sigmoid, ten layers</button>
      </div>
      <p class="step-note muted">Step works when training is not running (pause it first). With no run yet it starts one from the settings in section 2.</p>
      <dl class="stats step-stats">
        <div><dt>Step</dt><dd class="step-number" data-testid="step-number">–</dd></div>
        <div><dt>Loss on this batch</dt><dd class="step-loss">–</dd></div>
        <div><dt>Right in this batch</dt><dd class="step-accuracy">–</dd></div>
        <div><dt>Learning rate</dt><dd class="step-lr">–</dd></div>
      </dl>
      <div class="table-wrap step-table-wrap">
        <table class="gradient-table" data-testid="gradient-table">
          <caption class="visually-hidden">Per layer: forward values, gradient norm and update ratio of the weights</caption>
          <thead><tr>
            <th scope="col">Layer</th><th scope="col">Output mean</th><th scope="col">Output std</th>
            <th scope="col">Zeros</th><th scope="col">Weight gradient norm (log bar)</th>
            <th scope="col">Update ÷ weights (log bar)</th>
          </tr></thead>
          <tbody></tbody>
        </table>
        <p class="empty step-empty">Press Step to fill this table.</p>
      </div>
      <p class="step-verdict" aria-live="polite"></p>`);
    this.stepButton = card.querySelector('.step-button');
    this.tenButton = card.querySelector('.step-ten');
    this.freshButton = card.querySelector('.step-fresh');
    this.sigmoidButton = card.querySelector('.step-sigmoid');
    this.body = card.querySelector('.gradient-table tbody');
    this.stepButton.addEventListener('click', () => this.step(1));
    this.tenButton.addEventListener('click', () => this.step(10));
    this.freshButton.addEventListener('click', () => this.fresh(this.formConfig()));
    this.sigmoidButton.addEventListener('click', () => this.sigmoidExample());
    // The loss and the learning rate come from these two pieces of code.
    this.linkStat('.step-loss', 'softmax_cross_entropy', 'How the loss is computed: show its code');
    this.linkStat('.step-lr', 'train_step', 'How one training step uses the rate: show its code');
  }

  /** A "code" link after the label of one of the figures above the table. */
  linkStat(selector, piece, label) {
    const link = this.app.codeLink?.(piece, label);
    if (link) this.card.querySelector(selector).previousElementSibling.append(' ', link);
  }

  update(event, state) {
    if (event.event === 'run') this.clearTable('Press Step (after pausing or stopping training) to fill this table.');
    if (!isProgress(event)) this.buttons(state.state);
  }

  formConfig() {
    try {
      return this.app.controls.config();
    } catch (err) {
      this.app.showError(err, 'Fix the highlighted setting in section 2.', this.stepButton);
      return null;
    }
  }

  /** Step needs a network that is not being trained right now; a new run needs no run at all. */
  buttons(state) {
    // Stepping trains on the training images, which arrive after "ready" (data sent in two halves).
    const loading = state === 'loading' || state === 'error' || !read().data?.train;
    const running = state === 'training' || state === 'paused';
    this.stepButton.disabled = this.busy || loading || state === 'training';
    this.tenButton.disabled = this.stepButton.disabled;
    this.freshButton.disabled = this.busy || loading || running;
    this.sigmoidButton.disabled = this.freshButton.disabled;
  }

  setBusy(busy) {
    this.busy = busy;
    this.buttons(getState());
  }

  /** Starts a new run (no training loop) that Step then walks through. */
  async fresh(config, name = null) {
    if (!config) return;
    this.setBusy(true);
    try {
      const result = await this.app.call('start', { config, kind: name ? 'example' : 'step', name });
      this.app.stepping(result);
      this.clearTable('A new network is ready: press Step.');
      this.app.setStatus(`New run for stepping: ${result.summary}. Press Step to train it one batch at a time.`);
    } catch (err) {
      this.app.showError(err, '', this.stepButton);
    } finally {
      this.setBusy(false);
    }
  }

  async sigmoidExample() {
    // The example's settings and title are Python's (webapi.options().examples).
    const { title: name, values } = read().schema.examples.sigmoid_ten;
    this.app.fillControls(values, name);
    await this.fresh(this.formConfig(), name);
    await this.step(1);
  }

  async step(count) {
    if (this.busy) return;
    const config = this.formConfig();
    if (!config) return;
    this.setBusy(true);
    try {
      let report = null;
      for (let i = 0; i < count; i += 1) {
        report = await this.app.call('step', { config });
        if (report.error) break;
      }
      this.show(report);
      if (report.error) this.app.showError(report.error, '', this.stepButton);
      this.app.edited('The network changed since the last evaluation: evaluate again.');
    } catch (err) {
      this.app.showError(err, '', this.stepButton);
    } finally {
      this.setBusy(false);
    }
  }

  clearTable(text) {
    this.body.replaceChildren();
    this.card.querySelector('.step-empty').textContent = text;
    this.card.querySelector('.step-verdict').textContent = '';
    this.card.querySelector('.step-empty').hidden = false;
    for (const cls of ['step-number', 'step-loss', 'step-accuracy', 'step-lr']) {
      this.card.querySelector(`.${cls}`).textContent = '–';
    }
  }

  show(report) {
    const q = (cls) => this.card.querySelector(`.${cls}`);
    q('step-number').textContent = String(report.step);
    q('step-loss').textContent = report.loss === null ? 'not a number' : report.loss.toFixed(4);
    q('step-accuracy').textContent = `${Math.round(report.batch_accuracy * 100)}% of ${report.batch_size}`;
    q('step-lr').textContent = sci(report.lr);
    q('step-empty').hidden = true;
    let dense = 0;
    const rows = report.layers.map((layer) => {
      const tr = document.createElement('tr');
      tr.dataset.type = layer.type;
      const weights = layer.params.find((p) => p.name === 'W') ?? layer.params[0];
      if (weights) dense += 1;
      const name = weights ? `${layer.index + 1}. ${layer.type} ${weights.shape.join('×')}` : `${layer.index + 1}. ${layer.type}`;
      const cells = [name, sci(layer.output_mean), sci(layer.output_std),
        `${Math.round(layer.output_zero_fraction * 100)}%`];
      for (const text of cells) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      tr.firstChild.outerHTML = `<th scope="row">${tr.firstChild.textContent}</th>`;
      // Which code piece (section 7) computes this row: webapi.options().layer_pieces, by layer type.
      const piece = read().schema.layer_pieces[layer.type];
      const link = piece && this.app.codeLink?.(piece, `How ${layer.type} computes this row: show its code`);
      if (link) tr.firstChild.append(' ', link);
      for (const key of ['grad_norm', 'update_ratio']) {
        const td = document.createElement('td');
        if (weights) {
          const v = weights[key];
          td.innerHTML = '<span class="logbar"><span class="fill"></span></span><span class="num"></span>';
          td.querySelector('.fill').style.width = `${(logShare(v) * 100).toFixed(1)}%`;
          td.querySelector('.num').textContent = sci(v);
          if (key === 'update_ratio') td.className = `ratio ${weights.health}`;
          tr.dataset[key === 'grad_norm' ? 'gradNorm' : 'updateRatio'] = String(v ?? '');
          const bias = layer.params.find((p) => p.name === 'b');
          if (bias) td.title = `bias: ${sci(bias[key])}`;
        } else {
          td.textContent = '';
        }
        tr.append(td);
      }
      return tr;
    });
    this.body.replaceChildren(...rows);
    this.body.dataset.dense = String(dense);
    this.card.querySelector('.step-verdict').textContent = report.verdict;
  }
}

/** The glass-box view contract (glassbox.js): fills `card`, hears every event through `update`. */
export function mount(card, ctx) {
  return new Stepper(card, ctx);
}
