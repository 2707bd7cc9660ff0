// The code panel's verdicts: what a check found (each part, its largest relative error), a
// message, a failure, or "working...", written into the panel's result area. Data from Python
// is shown with textContent only.

import { el } from '../widgets/el.js';

/** A relative error in a few characters: "3.2e-7", "0", "not a number". */
export function formatError(value) {
  if (value === null || value === undefined) return 'not a number';
  if (value === 0) return '0';
  return value.toExponential(1);
}

const ICONS = { right: '✓', 'nearly right': '≈', wrong: '✗' };

export class Report {
  /** @param {HTMLElement} result  the result area  @param {object} editor  marks a line (CodeEditor) */
  constructor(result, editor) {
    this.result = result;
    this.editor = editor;
  }

  clear() {
    this.result.replaceChildren();
    this.result.dataset.verdict = '';
    this.editor.mark(null);
  }

  pending(text) {
    this.result.dataset.verdict = 'pending';
    this.result.replaceChildren(el('p', { className: 'verdict', textContent: text }));
    this.editor.mark(null);
  }

  message(kind, text) {
    this.result.dataset.verdict = kind;
    this.result.replaceChildren(el('p', { className: 'verdict', textContent: text }));
  }

  failure(err) {
    if (err && err.crashed) {
      this.message('error', `Python stopped while running your code: ${err.message}`);
      return;
    }
    this.message('error', err.message || String(err));
    if (err.hint) this.result.append(el('p', { className: 'muted', textContent: err.hint }));
  }

  /** A check's report; `canTrain`: the "Train with my version" button is there to press next. */
  show(report, canTrain) {
    this.result.dataset.verdict = report.verdict;
    const out = [];
    if (report.error) {
      const { message, line, hint } = report.error;
      out.push(el('p', { className: 'verdict' },
        el('strong', { textContent: line ? `Line ${line}: ` : 'Error: ' }), message));
      if (hint) out.push(el('p', { className: 'muted', textContent: hint }));
      this.editor.mark(line);
    } else {
      out.push(el('p', { className: 'verdict', textContent: `${ICONS[report.verdict] ?? ''} ${report.summary}` }));
      out.push(el('p', { className: 'largest-error', textContent: `Largest relative error: ${formatError(report.max_error)}` }));
      const rows = report.parts.map((p) => el('tr', { className: p.verdict.replace(' ', '-') },
        el('th', { scope: 'row', textContent: p.name }),
        el('td', { textContent: p.verdict }),
        el('td', { className: 'num', textContent: formatError(p.error) }),
        el('td', { textContent: p.detail })));
      out.push(el('div', { className: 'table-wrap' }, el('table', { className: 'check-table' },
        el('thead', {}, el('tr', {}, ...['Checked', 'Verdict', 'Relative error', 'Detail'].map((t) => el('th', { scope: 'col', textContent: t })))),
        el('tbody', {}, ...rows))));
      if (report.ok && canTrain) {
        out.push(el('p', { className: 'muted', textContent: 'Now press "Train with my version" to train the network with it.' }));
      }
    }
    this.result.replaceChildren(...out);
  }
}
