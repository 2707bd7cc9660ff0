// Shows a prediction: ten probability bars with class names (the top one highlighted) and the
// image the network actually saw, so people can tell a bad guess from a bad input.

/**
 * Paints a square image's values (0..1 floats or 0..255 ints, row-major: Python's input rows)
 * into `canvas`, light on dark; the canvas takes the image's size.
 */
export function paintImage(canvas, values, scale = 1) {
  const side = Math.round(Math.sqrt(values.length));
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(side, side);
  for (let i = 0; i < side * side; i += 1) {
    const v = Math.max(0, Math.min(255, Math.round(values[i] * scale)));
    image.data[i * 4] = v;
    image.data[i * 4 + 1] = v;
    image.data[i * 4 + 2] = v;
    image.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

export class PredictionView {
  /**
   * @param {HTMLElement} container  gets the bars (data-testid=prediction)
   * @param {HTMLCanvasElement} inputCanvas  28x28, shows the model's input
   */
  constructor(container, inputCanvas) {
    this.container = container;
    this.inputCanvas = inputCanvas;
    this.empty = container.querySelector('.empty');
    this.list = document.createElement('ol');
    this.list.className = 'bars';
    this.list.hidden = true;
    container.append(this.list);
    this.rows = [];
  }

  /** Builds one row per class once the class names are known. */
  setClasses(names) {
    this.list.replaceChildren();
    this.rows = names.map((name) => {
      const li = document.createElement('li');
      li.innerHTML = '<span class="name"></span><span class="bar"><span class="fill"></span></span><span class="value"></span>';
      li.querySelector('.name').textContent = name;
      this.list.append(li);
      return li;
    });
  }

  show(result) {
    if (!this.rows.length) return;
    this.empty.hidden = true;
    this.list.hidden = false;
    result.probabilities.forEach((p, i) => {
      const row = this.rows[i];
      row.querySelector('.fill').style.width = `${(p * 100).toFixed(1)}%`;
      row.querySelector('.value').textContent = `${Math.round(p * 100)}%`;
      row.classList.toggle('top', i === result.top);
    });
    this.container.dataset.top = result.label;
    // Exact values for anyone comparing two models (the bars round to whole percents).
    this.container.dataset.probabilities = JSON.stringify(result.probabilities);
    this.container.setAttribute('aria-label', `Guess: ${result.label}, ${Math.round(result.probabilities[result.top] * 100)}%`);
    paintImage(this.inputCanvas, result.input, 255);
  }

  /** Back to "draw something" (after Clear). */
  clear(message = 'Draw something to see a guess.') {
    this.empty.textContent = message;
    this.empty.hidden = false;
    this.list.hidden = true;
    delete this.container.dataset.top;
    delete this.container.dataset.probabilities;
    paintImage(this.inputCanvas, new Float32Array(this.inputCanvas.width * this.inputCanvas.height), 255);
  }
}
