// New builds of the site: found, installed beside the running one, and used at the next load.
//
// Why: a page load must run one build. The service worker (sw.js) serves every file of a load
// from one build's cache; this module asks the network which build is the latest and registers
// that build's worker, which installs in the background. When it is ready, a page in which the
// person has done nothing yet reloads into it at once; otherwise a notice offers the reload, so
// no trained network or drawing is thrown away without asking.

const RELOADED_KEY = 'glassnet.updated-to';

/** The build the network has now (null when offline or not served). */
export async function latestBuild() {
  if (!navigator.onLine) return null; // offline: the running build is the latest we can have
  try {
    const response = await fetch(`./manifest.json?latest=${Date.now()}`, { cache: 'no-store' });
    if (!response.ok) return null;
    return (await response.json()).build ?? null;
  } catch (_) {
    return null;
  }
}

function showNotice(onReload) {
  if (document.getElementById('update-notice')) return;
  const notice = document.createElement('div');
  notice.id = 'update-notice';
  notice.className = 'update-notice';
  notice.setAttribute('role', 'status');
  notice.innerHTML = '<span>A new version of this page is ready.</span> <button type="button">Reload to use it</button>';
  notice.querySelector('button').addEventListener('click', onReload);
  document.body.prepend(notice);
}

/**
 * Applies a new build's worker safely once it has installed beside the running one.
 * @param {ServiceWorkerRegistration|null} registration  the latest build's registration
 * @param {() => boolean} isBusy  true once the person has done something a reload would lose
 */
export function followUpdates(registration, isBusy) {
  if (!registration) return; // service workers blocked or unavailable
  const apply = (worker) => {
    navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true });
    worker.postMessage('activate');
  };
  const offer = (worker) => {
    if (!worker || !navigator.serviceWorker.controller) return; // first visit: nothing to replace
    const build = new URL(worker.scriptURL).searchParams.get('build');
    if (!isBusy() && sessionStorage.getItem(RELOADED_KEY) !== build) {
      sessionStorage.setItem(RELOADED_KEY, build); // at most one automatic reload per build
      apply(worker);
    } else {
      showNotice(() => apply(worker));
    }
  };
  const follow = (worker) => {
    if (!worker) return;
    if (worker.state === 'installed') offer(worker);
    else worker.addEventListener('statechange', () => { if (worker.state === 'installed') offer(worker); });
  };
  follow(registration.waiting || registration.installing);
  registration.addEventListener('updatefound', () => follow(registration.installing));
}
