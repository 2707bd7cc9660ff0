// Offline cache: after the first visit the whole site (Pyodide, NumPy, glassnet, data, model)
// is served from the Cache API, so a classroom without a network still works.
//
// The page registers sw.js?build=<build>, so each build gets its own worker and its own cache
// named after the build; old caches are deleted when the new worker takes over.
//
// One page load runs one build, never a mix: every file, the page itself and manifest.json
// included, comes from this worker's own build cache. A new build is found by update.js, which
// asks the network for `manifest.json?latest` (passed through here) and registers the new
// build's worker; that worker installs beside this one and takes over only when the page says
// so ('activate'), and the page then reloads, so the next load is the new build as a whole.
//
// Every file is checked byte by byte before it is cached: its sha256 must match the build's
// manifest.json (crypto.subtle.digest). A deploy caught half-way (the new manifest live, a file
// not yet copied) therefore fails the install instead of caching old bytes under the new hash;
// the page is told why and tries again later. Files kept from an older build's cache are checked
// the same way: the hash label on a cached file is a hint where to look, never proof.

const BUILD = new URL(self.location.href).searchParams.get('build') || 'dev';
const CACHE = `glassnet-${BUILD}`;
const PAGES = new Set(['', 'index.html']);

function relativePath(url) {
  const scope = new URL(self.registration.scope);
  const u = new URL(url);
  if (u.origin !== scope.origin || !u.pathname.startsWith(scope.pathname)) return null;
  return u.pathname.slice(scope.pathname.length);
}

/** Why an install stopped, for the page (offline-status.js words it): reason, file, HTTP status. */
class InstallProblem extends Error {
  constructor(reason, file, detail, status = null) {
    super(detail);
    this.reason = reason; // 'missing' | 'server' | 'changed' | 'network' | 'storage' | 'other'
    this.file = file;
    this.status = status;
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(install().catch(async (err) => {
    const problem = err instanceof InstallProblem ? err : asProblem(err);
    await tellPages({ kind: 'install-failed', build: BUILD, reason: problem.reason, file: problem.file,
      status: problem.status, detail: problem.message });
    throw problem; // the install fails: nothing of a half-checked build is used
  }));
});

async function install() {
  let response;
  try {
    response = await fetch('./manifest.json', { cache: 'no-store' });
  } catch (err) {
    throw new InstallProblem('network', 'manifest.json', err.message);
  }
  if (!response.ok) throw httpProblem('manifest.json', response.status);
  const manifest = await response.clone().json();
  if (BUILD !== 'dev' && manifest.build !== BUILD) {
    // Redeployed while this worker installed: caching that would mix two builds.
    throw new InstallProblem('changed', 'manifest.json', `manifest.json is build ${manifest.build}, this worker is for ${BUILD}`);
  }
  const cache = await caches.open(CACHE);
  const hashes = manifest.hashes || {};
  const older = await olderCaches();
  // One file at a time: a 2-core laptop is loading Pyodide at the same moment.
  for (const file of manifest.files) {
    const hash = hashes[file];
    if (!hash) throw new InstallProblem('other', file, `manifest.json gives no sha256 for ${file}`);
    const kept = await findUnchanged(older, file, hash);
    await cache.put(file, kept || await download(file, hash)); // kept: same bytes, no download
  }
  await cache.put('manifest.json', response);
  if (!await hasActiveWorker()) await self.skipWaiting(); // the first visit: nothing to mix
}

/** The file from the network, checked against the manifest's hash, as a response to cache. */
async function download(file, hash) {
  let response;
  let bytes;
  try {
    response = await fetch(file, { cache: 'no-cache' });
    if (!response.ok) throw httpProblem(file, response.status);
    bytes = await response.arrayBuffer();
  } catch (err) {
    throw err instanceof InstallProblem ? err : new InstallProblem('network', file, err.message);
  }
  if (!await matches(bytes, hash)) {
    throw new InstallProblem('changed', file, `${file} on the server does not match this build's manifest.json`);
  }
  return withHash(response, bytes, hash);
}

function httpProblem(file, status) {
  const gone = status === 404 || status === 410;
  return new InstallProblem(gone ? 'missing' : 'server', file, `${file}: HTTP ${status}`, status);
}

function asProblem(err) {
  const storage = err && (err.name === 'QuotaExceededError' || /quota/i.test(err.message || ''));
  return new InstallProblem(storage ? 'storage' : 'other', null, err && err.message ? err.message : String(err));
}

/** Whether the bytes' sha256 starts with the manifest's (hex) hash. */
async function matches(bytes, hash) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
  return hash.length >= 16 && hex.startsWith(hash.toLowerCase());
}

/** Every page of this site, controlled or not: the one that registered this worker is among them. */
async function tellPages(message) {
  const pages = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const page of pages) page.postMessage(message);
}

async function hasActiveWorker() {
  return Boolean(self.registration.active);
}

self.addEventListener('message', (event) => {
  if (event.data === 'activate') self.skipWaiting(); // update.js: the page reloads right after
});

// Each cached file carries its content hash (from manifest.json) in a header, so the next build's
// worker can keep it when that hash is unchanged: a redeploy then costs only what changed.
const HASH_HEADER = 'x-glassnet-sha256';

function withHash(response, bytes, hash) {
  const headers = new Headers(response.headers);
  headers.set(HASH_HEADER, hash);
  return new Response(bytes, { status: response.status, statusText: response.statusText, headers });
}

async function olderCaches() {
  const names = (await caches.keys()).filter((n) => n.startsWith('glassnet-') && n !== CACHE);
  return Promise.all(names.map((n) => caches.open(n)));
}

/** A copy of `file` with these bytes in an older cache (its label says so, its bytes prove it). */
async function findUnchanged(older, file, hash) {
  for (const cache of older) {
    const hit = await cache.match(file);
    if (!hit || hit.headers.get(HASH_HEADER) !== hash) continue;
    const bytes = await hit.arrayBuffer();
    if (await matches(bytes, hash)) return new Response(bytes, { status: hit.status, statusText: hit.statusText, headers: hit.headers });
  }
  return null;
}

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith('glassnet-') && n !== CACHE).map((n) => caches.delete(n)));
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const path = relativePath(request.url);
  if (path === null) return;
  const url = new URL(request.url);
  const key = path.split('?')[0];
  if (key === 'manifest.json' && url.searchParams.has('latest')) return; // update.js asks the network
  // The site's root is index.html; any other page falls back to it too.
  const page = PAGES.has(key) || request.mode === 'navigate';
  event.respondWith(fromThisBuild(request, page ? 'index.html' : key));
});

async function fromThisBuild(request, key) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(key);
  return hit || fetch(request);
}
