// How the page looks, whatever it shows: the large-text (projector) mode, kept in this browser,
// and the line under wide tables on a phone. Charts redraw for the new theme when they hear
// {event: 'theme'}.

import { publish } from './store.js';

const KEY = 'glassnet.theme';

function setTheme(theme, button) {
  if (theme === 'large') document.documentElement.dataset.theme = 'large';
  else delete document.documentElement.dataset.theme;
  button.setAttribute('aria-pressed', String(theme === 'large'));
  try { localStorage.setItem(KEY, theme); } catch (_) { /* not kept: fine */ }
  publish({ event: 'theme', theme });
}

/** @param {HTMLButtonElement} button  the theme switch in the header */
export function mountAppearance(button) {
  button.addEventListener('click', () => setTheme(document.documentElement.dataset.theme === 'large' ? 'normal' : 'large', button));
  try {
    if (localStorage.getItem(KEY) === 'large') setTheme('large', button);
  } catch (_) { /* storage blocked */ }

  // Wide tables scroll inside their own box; on a phone a line under them says so.
  for (const wrap of document.querySelectorAll('.table-wrap, .confusion-wrap')) {
    // A scrolling box is reachable from the keyboard (arrow keys scroll it) and named.
    wrap.tabIndex = 0;
    wrap.setAttribute('role', 'region');
    wrap.setAttribute('aria-label', wrap.querySelector('caption')?.textContent || 'Table');
    wrap.insertAdjacentHTML('afterend', '<p class="scroll-cue">Wide table: swipe sideways inside it to see every column.</p>');
  }
}
