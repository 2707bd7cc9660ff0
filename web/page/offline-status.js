// Says whether this page will work offline on this device, and when not, why and what to do.
//
// Why a module of its own: the footer used to promise "works offline after the first visit",
// which is false on a classroom LAN. A page served over plain http from another computer is not a
// secure context, so the browser gives it no service worker (no offline copy) and no Clipboard
// API. Only a service worker that controls the page makes offline true, so data-offline="yes" is
// set then and only then.
//
// When the service worker refuses to install (it checks every file against manifest.json), it
// says why; the footer names the cause and the file (a file missing on the server is an
// incomplete site, not full storage) and the page tries again later, since a deploy that was
// half-way done finishes by itself.

const HELP = {
  insecure: (host) => `This page comes over plain http from another computer (${host}). Browsers keep an
    offline copy (and allow copying links) only for https pages or pages served by this computer
    itself, so it works here only while that computer keeps serving it. For offline use
    anywhere: open the https site (for example the project's GitHub Pages) and install the app,
    or on this computer run <code>python3 build.py serve</code> and open
    <code>http://127.0.0.1:8000/</code>.`,
  unsupported: () => `This browser (or a private window) does not let pages keep an offline copy.
    It works while the server is reachable. For offline use, open it in a normal window of a
    current browser (Chrome, Edge, Firefox, Safari).`,
  failed: (host, detail) => `The browser refused to keep an offline copy${detail ? ` (${detail})` : ''}.
    It works while the server is reachable. A private window or strict privacy settings can
    cause this; a normal window usually works.`,
  installing: () => 'Saving every file in this browser; once that is done a reload works with no network.',
  // The service worker's own reasons (sw.js, InstallProblem). `p` is its message.
  missing: (host, p) => `The server has no <code>${esc(p.file)}</code> (HTTP ${esc(p.status)}), one of the
    files of this version of the site, so this browser cannot keep an offline copy. Whoever hosts
    the site can build it again and copy all of it (<code>python3 build.py</code>). The page will
    try again in a few minutes.`,
  server: (host, p) => `The server could not send <code>${esc(p.file)}</code> (HTTP ${esc(p.status)}), so no
    offline copy was kept. The page will try again in a few minutes.`,
  changed: (host, p) => `<code>${esc(p.file)}</code> on the server is not the file this version of the site
    lists: a new version is probably being copied onto the server right now. Nothing of a half-copied
    version is kept; the page will try again in a minute.`,
  network: (host, p) => `The download of <code>${esc(p.file)}</code> broke off. The page will try again in a
    minute.`,
  storage: () => `This browser has no room left for this site's files (about 50 MB). Free some space,
    then reload.`,
};

// Reasons an install may succeed later by itself (a deploy finishing, a network coming back).
const RETRY_REASONS = new Set(['missing', 'server', 'changed', 'network']);
// Seconds before each new try; after the last one, the next page load tries again.
export const RETRY_SECONDS = [15, 60, 240];

function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const TEXT = {
  yes: 'Works offline on this device: every file is saved in this browser.',
  installing: 'Saving an offline copy…',
  insecure: 'Not available offline on this device.',
  unsupported: 'Not available offline in this browser.',
  failed: 'Not available offline: the browser refused.',
  missing: 'Not available offline: this site is incomplete on the server.',
  server: 'Not available offline yet: the server could not send every file.',
  changed: 'Not available offline yet: the site is being updated.',
  network: 'Not available offline yet: the download broke off.',
  storage: 'Not available offline: this browser\'s storage is full.',
};

function isLocalHost(hostname) {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1'
    || /^127\./.test(hostname) || hostname.endsWith('.localhost');
}

/** Why this page cannot have a service worker, before trying: null when it can. */
export function offlineBlocker(loc = location, nav = navigator, secure = window.isSecureContext) {
  if (!loc.protocol.startsWith('http')) return 'file';
  if (!secure && !isLocalHost(loc.hostname)) return 'insecure';
  if (!('serviceWorker' in nav) || !nav.serviceWorker) return secure ? 'unsupported' : 'insecure';
  return null;
}

function show(element, helpElement, reason, detail = '') {
  const offline = reason === 'yes' ? 'yes' : reason === 'installing' ? 'pending' : 'no';
  element.dataset.offline = offline;
  element.dataset.reason = reason;
  element.textContent = TEXT[reason] ?? TEXT.failed;
  const help = HELP[reason];
  helpElement.hidden = !help;
  helpElement.innerHTML = help ? help(location.host, detail) : ''; // values inside are escaped
}

/**
 * Offers "Install app" where the browser would (Chromium on https or localhost, once the web app
 * manifest and the service worker are in place): the installed app opens offline anywhere.
 */
function offerInstall(element) {
  let button = null;
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault();
    if (!button) {
      button = document.createElement('button');
      button.type = 'button';
      button.className = 'install-app quiet';
      button.dataset.testid = 'install-app';
      button.textContent = 'Install as an app';
      element.after(button);
    }
    button.hidden = false;
    button.onclick = async () => {
      button.hidden = true;
      await event.prompt();
    };
  });
  window.addEventListener('appinstalled', () => {
    if (button) button.hidden = true;
  });
}

/**
 * Registers the service worker of this build (sw.js?build=<build>: each build gets its own
 * worker and cache) once `when` settles, and keeps the offline status element true to what the
 * browser does. Why wait: the worker's install downloads every file of the site; started while
 * the page itself is still downloading, the same bytes would cross a classroom's Wi-Fi twice.
 */
export async function startOfflineStatus(manifest, when = Promise.resolve(),
  element = document.getElementById('offline-status'), helpElement = document.getElementById('offline-help')) {
  const blocker = offlineBlocker();
  if (blocker === 'file') return null;
  if (blocker) {
    show(element, helpElement, blocker);
    return null;
  }
  offerInstall(element);
  const sw = navigator.serviceWorker;
  const url = `./sw.js?build=${encodeURIComponent(manifest.build)}`;
  const update = () => show(element, helpElement, sw.controller ? 'yes' : 'installing');
  update();
  sw.addEventListener('controllerchange', update);
  let tries = 0;
  let told = false; // the worker said why this try failed
  const retry = () => {
    if (tries >= RETRY_SECONDS.length) return;
    const seconds = RETRY_SECONDS[tries];
    tries += 1;
    setTimeout(() => {
      told = false;
      sw.register(url).then(watch).catch(() => {});
    }, seconds * 1000);
  };
  sw.addEventListener('message', ({ data }) => {
    if (data?.kind !== 'install-failed' || data.build !== manifest.build) return;
    told = true;
    const known = data.reason in TEXT;
    if (!sw.controller) show(element, helpElement, known ? data.reason : 'failed', known ? data : data.detail);
    else console.info(`The new version of this site could not be saved yet (${data.detail}); this one stays in use.`);
    if (RETRY_REASONS.has(data.reason)) retry();
  });
  sw.startMessages?.();
  // An install that fails without a word from the worker (its script did not load) leaves a
  // "redundant" worker.
  const watch = (registration) => {
    const installing = registration?.installing;
    installing?.addEventListener('statechange', () => {
      if (installing.state === 'redundant' && !sw.controller && !told) {
        show(element, helpElement, 'failed', 'saving the files did not finish');
      }
    });
    return registration;
  };
  await when;
  return sw.register(url)
    .then((registration) => {
      update();
      return watch(registration);
    })
    .catch((err) => {
      if (!sw.controller) show(element, helpElement, 'failed', err.message);
      console.info('Offline use is not available:', err.message);
      return null;
    });
}
