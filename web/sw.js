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

const BUILD = new URL(self.location.href).searchParams.get('build') || 'dev';
const CACHE = `glassnet-${BUILD}`;
const PAGES = new Set(['', 'index.html']);

function relativePath(url) {
  const scope = new URL(self.registration.scope);
  const u = new URL(url);
  if (u.origin !== scope.origin || !u.pathname.startsWith(scope.pathname)) return null;
  return u.pathname.slice(scope.pathname.length);
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const response = await fetch('./manifest.json', { cache: 'no-store' });
    if (!response.ok) throw new Error(`manifest.json: HTTP ${response.status}`);
    const manifest = await response.clone().json();
    if (BUILD !== 'dev' && manifest.build !== BUILD) {
      // Redeployed while this worker installed: caching that would mix two builds.
      throw new Error(`manifest.json is build ${manifest.build}, this worker is for ${BUILD}`);
    }
    const cache = await caches.open(CACHE);
    const hashes = manifest.hashes || {};
    const older = await olderCaches();
    // One file at a time: a 2-core laptop is loading Pyodide at the same moment.
    for (const file of manifest.files) {
      const kept = hashes[file] && await findUnchanged(older, file, hashes[file]);
      if (kept) {
        await cache.put(file, kept); // same bytes as an earlier build: no download
        continue;
      }
      const r = await fetch(file, { cache: 'no-cache' });
      if (!r.ok) throw new Error(`${file}: HTTP ${r.status}`);
      await cache.put(file, hashes[file] ? withHash(r, hashes[file]) : r);
    }
    await cache.put('manifest.json', response);
    if (!await hasActiveWorker()) await self.skipWaiting(); // the first visit: nothing to mix
  })());
});

async function hasActiveWorker() {
  return Boolean(self.registration.active);
}

self.addEventListener('message', (event) => {
  if (event.data === 'activate') self.skipWaiting(); // update.js: the page reloads right after
});

// Each cached file carries its content hash (from manifest.json) in a header, so the next build's
// worker can keep it when that hash is unchanged: a redeploy then costs only what changed.
const HASH_HEADER = 'x-glassnet-sha256';

function withHash(response, hash) {
  const headers = new Headers(response.headers);
  headers.set(HASH_HEADER, hash);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function olderCaches() {
  const names = (await caches.keys()).filter((n) => n.startsWith('glassnet-') && n !== CACHE);
  return Promise.all(names.map((n) => caches.open(n)));
}

async function findUnchanged(older, file, hash) {
  for (const cache of older) {
    const hit = await cache.match(file);
    if (hit && hit.headers.get(HASH_HEADER) === hash) return hit;
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
