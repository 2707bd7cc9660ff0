// A grid of random test images with the network's guess and the truth.
// Why: accuracy is a number; seeing which shirts it calls pullovers makes it mean something.

import { paintImage } from './prediction.js';

export class Gallery {
  /** @param {HTMLElement} container */
  constructor(container) {
    this.container = container;
    this.classes = [];
  }

  setClasses(names) {
    this.classes = names;
  }

  /** @param {{items: {index, image, label, prediction, confidence}[]}} result from webapi.gallery */
  show(result) {
    const cards = result.items.map((item) => {
      const right = item.prediction === item.label;
      // A button: the glass box opens the image on click, Enter or Space.
      const figure = document.createElement('button');
      figure.type = 'button';
      figure.className = `tile ${right ? 'right' : 'wrong'}`;
      figure.dataset.index = String(item.index); // the glass box opens it on click
      const canvas = document.createElement('canvas');
      paintImage(canvas, item.image, 1); // sizes the canvas to the image
      const guess = this.classes[item.prediction] ?? item.prediction;
      const truth = this.classes[item.label] ?? item.label;
      canvas.setAttribute('aria-hidden', 'true'); // the button's label says it
      canvas.setAttribute('aria-label', `Test image ${item.index}`);
      const caption = document.createElement('span');
      caption.className = 'tile-caption';
      caption.innerHTML = '<span class="guess"></span><span class="truth"></span>';
      caption.querySelector('.guess').textContent = `${right ? '✓' : '✗'} ${guess} ${Math.round(item.confidence * 100)}%`;
      caption.querySelector('.truth').textContent = right ? 'correct' : `is: ${truth}`;
      figure.append(canvas, caption);
      figure.setAttribute('aria-label', `Test image ${item.index}: ${truth}, guessed ${guess} (${Math.round(item.confidence * 100)}%). Look inside this prediction.`);
      return figure;
    });
    this.container.replaceChildren(...cards);
  }

  message(text) {
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = text;
    this.container.replaceChildren(p);
  }
}
