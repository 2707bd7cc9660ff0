// A plain <textarea> with highlighted Python underneath it and line numbers beside it.
//
// Why a textarea: it is what every keyboard, screen reader and test already knows how to type
// into, and it cannot run anything. The colours come from Highlight.js (vendored, pinned by
// web/package-lock.json), drawn in a <pre> that scrolls with the textarea.

import hljs from '../vendor/highlight/core.min.js';
import python from '../vendor/highlight/python.min.js';

hljs.registerLanguage('python', python);

/** Highlighted HTML for Python source (Highlight.js escapes the text itself). */
export function highlightPython(code) {
  return hljs.highlight(code, { language: 'python', ignoreIllegals: true }).value;
}

/** Source with line numbers (first = the number of its first line), as a highlighted <pre>. */
export function renderSource(pre, code, first = 1, marked = null) {
  const html = highlightPython(code.replace(/\n$/, ''));
  // Highlight.js spans may cross lines; close and reopen them at each line break.
  const lines = [];
  const open = [];
  for (const raw of html.split('\n')) {
    const line = open.join('') + raw;
    const tags = raw.match(/<span[^>]*>|<\/span>/g) || [];
    for (const tag of tags) {
      if (tag.startsWith('</')) open.pop();
      else open.push(tag);
    }
    lines.push(line + '</span>'.repeat(open.length));
  }
  pre.innerHTML = lines.map((line, i) => {
    const n = first + i;
    const cls = marked === n ? 'code-line marked' : 'code-line';
    return `<span class="${cls}" data-line="${n}"><span class="line-no" aria-hidden="true">${n}</span>${line || ' '}</span>`;
  }).join('\n');
}

export class CodeEditor {
  /** @param {HTMLElement} host  an empty element; @param {(text: string) => void} onChange */
  constructor(host, onChange = () => {}) {
    host.classList.add('code-editor');
    host.innerHTML = `
      <div class="editor-gutter" aria-hidden="true"></div>
      <div class="editor-body">
        <pre class="editor-colours hljs" aria-hidden="true"><code></code></pre>
        <textarea data-testid="code-editor" spellcheck="false" autocapitalize="off"
          autocomplete="off" wrap="off" aria-label="Your version of the code (Python)"></textarea>
      </div>`;
    this.gutter = host.querySelector('.editor-gutter');
    this.colours = host.querySelector('.editor-colours code');
    this.area = host.querySelector('textarea');
    this.marked = null;
    this.area.addEventListener('input', () => {
      this.marked = null;
      this.paint();
      onChange(this.area.value);
    });
    this.area.addEventListener('scroll', () => this.sync());
    this.area.addEventListener('keydown', (e) => this.key(e));
  }

  get value() {
    return this.area.value;
  }

  set value(text) {
    this.area.value = text;
    this.marked = null;
    this.paint();
  }

  /** Marks one line (an error's), or none, and scrolls it into view. */
  mark(line) {
    this.marked = line || null;
    this.paint();
    if (this.marked) {
      const lineHeight = parseFloat(getComputedStyle(this.area).lineHeight) || 20;
      const top = (this.marked - 1) * lineHeight;
      if (top < this.area.scrollTop || top > this.area.scrollTop + this.area.clientHeight - lineHeight) {
        this.area.scrollTop = Math.max(0, top - this.area.clientHeight / 3);
      }
    }
  }

  paint() {
    const text = this.area.value;
    const count = text.split('\n').length;
    this.colours.innerHTML = `${highlightPython(text)}\n`;
    this.gutter.innerHTML = Array.from({ length: count }, (_, i) => (
      `<span class="${i + 1 === this.marked ? 'marked' : ''}">${i + 1}</span>`)).join('\n');
    const rows = Math.min(Math.max(count + 1, 8), 28);
    this.area.rows = rows;
    this.sync();
  }

  sync() {
    const pre = this.colours.parentElement;
    pre.scrollTop = this.area.scrollTop;
    pre.scrollLeft = this.area.scrollLeft;
    this.gutter.scrollTop = this.area.scrollTop;
  }

  /** Tab indents by four spaces, Enter keeps the indentation; Escape then Tab leaves. */
  key(e) {
    const area = this.area;
    if (e.key === 'Escape') {
      this.escaped = true;
      return;
    }
    if (e.key === 'Tab' && !this.escaped && !e.shiftKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      document.execCommand('insertText', false, '    ');
      return;
    }
    this.escaped = false;
    if (e.key === 'Enter' && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey) {
      const before = area.value.slice(0, area.selectionStart);
      const line = before.slice(before.lastIndexOf('\n') + 1);
      let indent = line.match(/^\s*/)[0];
      if (/:\s*$/.test(line)) indent += '    ';
      e.preventDefault();
      document.execCommand('insertText', false, `\n${indent}`);
    }
  }
}
