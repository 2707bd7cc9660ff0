// Starting Python: Pyodide, NumPy and the glassnet wheel. One module for the page's worker, the
// benchmark's worker and the core-tests harness, so all three load Python the same way and a
// Pyodide bump is one change in tools/pins.py (the build vendors that release under pyodide/).

const INCOMPLETE = 'this site is incomplete or half-updated. Reload in a minute; if it stays, whoever hosts it can rebuild it (python3 build.py).';

const quiet = { messageCallback: () => {} };

/**
 * Pyodide from `indexURL` (the site's pyodide/ folder), with `packages` from its lock (NumPy by
 * default) loaded and NumPy imported. Returns {pyodide, times}: milliseconds since the page or
 * worker started, per stage (the benchmark and people tuning start-up read them).
 */
export async function startPython({ indexURL, packages = ['numpy'], stdout, stderr, onStage = () => {} }) {
  const times = {};
  onStage('python');
  const { loadPyodide } = await import(new URL('pyodide.mjs', indexURL).href);
  const pyodide = await loadPyodide({ indexURL, ...(stdout && { stdout }), ...(stderr && { stderr }) });
  times.pyodide = performance.now();
  onStage('numpy');
  const errors = [];
  await pyodide.loadPackage(packages, { ...quiet, errorCallback: (msg) => errors.push(String(msg)) });
  times.numpy = performance.now();
  const missing = packages.filter((name) => !pyodide.loadedPackages[name]);
  if (missing.length) {
    throw new Error(`${missing.join(', ')} could not be loaded from pyodide/ (${errors.join(' ') || 'no reason given'}): ${INCOMPLETE}`);
  }
  if (packages.includes('numpy')) {
    pyodide.runPython('import numpy'); // done here, it overlaps whatever the caller downloads next
    times.numpyImport = performance.now();
  }
  return { pyodide, times };
}

/**
 * Installs glassnet. By name when pyodide-lock.json lists it (every build writes that entry):
 * Pyodide fetches the wheel with the lock's sha256 as its integrity. A lock without the entry
 * (Pyodide's own lock put back, a hand-made copy) makes loadPackage throw "No known package":
 * then the wheel comes from `wheelUrl` and is installed only when its bytes have `wheelSha256`,
 * the sha256 the build's manifest.json names.
 */
export async function installGlassnet(pyodide, { wheelUrl, wheelSha256 }) {
  const errors = [];
  let listed = true;
  try {
    await pyodide.loadPackage('glassnet', { ...quiet, errorCallback: (msg) => errors.push(String(msg)) });
  } catch (err) {
    if (!/No known package/.test(String(err && err.message))) throw err;
    listed = false;
  }
  if (listed && !pyodide.loadedPackages.glassnet) {
    // A missing or changed wheel does not make loadPackage throw: only the errors say so.
    throw new Error(`The glassnet wheel could not be installed (${errors.join(' ') || 'no reason given'}): ${INCOMPLETE}`);
  }
  if (!listed) await installWheelFromUrl(pyodide, wheelUrl, wheelSha256);
}

async function installWheelFromUrl(pyodide, wheelUrl, wheelSha256) {
  if (!/^[0-9a-f]{64}$/.test(wheelSha256 || '')) {
    throw new Error(`manifest.json gives no sha256 for the glassnet wheel, so it cannot be checked: ${INCOMPLETE}`);
  }
  let response;
  try {
    response = await fetch(wheelUrl);
  } catch (err) {
    throw new Error(`The glassnet wheel could not be downloaded (${err.message}): check the network, then reload.`, { cause: err });
  }
  if (!response.ok) throw new Error(`The glassnet wheel is missing on the server (${wheelUrl}: HTTP ${response.status}): ${INCOMPLETE}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const digest = await sha256Hex(bytes);
  if (digest !== wheelSha256) {
    throw new Error(`The glassnet wheel on the server is not the one this build names (sha256 ${digest.slice(0, 12)}…, expected ${wheelSha256.slice(0, 12)}…): ${INCOMPLETE}`);
  }
  const sitePackages = pyodide.runPython('import sysconfig; sysconfig.get_path("purelib")');
  pyodide.unpackArchive(bytes, 'wheel', { extractDir: sitePackages });
  pyodide.runPython('import importlib; importlib.invalidate_caches()');
}

/** The sha256 of `bytes` as lower-case hex (Web Crypto: in pages and workers alike). */
export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
