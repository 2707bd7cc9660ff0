// A card of the glass box (or any folding panel): a <details> with its title, and, when it shows
// one model, a "Model: ..." line that `nameActiveModel` keeps current. Every glass-box card is
// made here, so they look and fold alike.

/**
 * @param {{id: string, title: string, wide?: boolean, model?: boolean, open?: boolean}} spec
 *   wide: spans the grid's width; model: the card names the model it shows
 * @returns {HTMLDetailsElement} the card, with its <summary> and nothing else yet
 */
export function makeCard({ id, title, wide = false, model = false, open = true }) {
  const card = document.createElement('details');
  card.className = `card glass-card${wide ? ' wide' : ''}`;
  card.id = id;
  card.open = open;
  const summary = document.createElement('summary');
  const h3 = document.createElement('h3');
  h3.textContent = title;
  summary.append(h3);
  card.append(summary);
  if (model) card.insertAdjacentHTML('beforeend', '<p class="model-note muted" data-active-model></p>');
  return card;
}

/** Views that show one model name it in their `[data-active-model]` lines ("Model: Run 2"). */
export function nameActiveModel(root, { activeModel }) {
  if (!activeModel) return;
  for (const el of root.querySelectorAll('[data-active-model]')) el.textContent = `Model: ${activeModel.name}`;
}
