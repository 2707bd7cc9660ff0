// The smallest DOM builder: el('p', {className: 'muted', textContent: text}, ...children).
// Text goes in as textContent, never as HTML.

export const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};
