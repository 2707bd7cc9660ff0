// Module scripts cannot load from file://, so say what to do before anything else runs.
// A classic script file (not inline: the page's Content-Security-Policy allows no inline script).
if (location.protocol === 'file:') {
  document.getElementById('file-warning').hidden = false;
  document.getElementById('status').textContent = 'Open this page through a web server: run `python build.py serve`.';
  document.documentElement.dataset.state = 'error';
}
