// Says whether this page will work offline on this device, and when not, why and what to do.
//
// Why a module of its own: the footer used to promise "works offline after the first visit",
// which is false on a classroom LAN. A page served over plain http from another computer is not a
// secure context, so the browser gives it no service worker (no offline copy) and no Clipboard
// API. Only a service worker that controls the page makes offline true, so data-offline="yes" is
// set then and only then.

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
};

const TEXT = {
  yes: 'Works offline on this device: every file is saved in this browser.',
  installing: 'Saving an offline copy…',
  insecure: 'Not available offline on this device.',
  unsupported: 'Not available offline in this browser.',
  failed: 'Not available offline: the browser refused.',
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
  helpElement.innerHTML = help ? help(location.host, detail) : '';
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
  const update = () => show(element, helpElement, sw.controller ? 'yes' : 'installing');
  update();
  sw.addEventListener('controllerchange', update);
  await when;
  return sw.register(`./sw.js?build=${encodeURIComponent(manifest.build)}`)
    .then((registration) => {
      update();
      // An install that fails (a file missing, storage full) leaves a "redundant" worker.
      const installing = registration.installing;
      installing?.addEventListener('statechange', () => {
        if (installing.state === 'redundant' && !sw.controller) {
          show(element, helpElement, 'failed', 'saving the files did not finish; storage may be full');
        }
      });
      return registration;
    })
    .catch((err) => {
      if (!sw.controller) show(element, helpElement, 'failed', err.message);
      console.info('Offline use is not available:', err.message);
      return null;
    });
}
