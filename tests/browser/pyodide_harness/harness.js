// Runs the project's pytest suite inside Pyodide on the page's main thread.
// Why: the core must behave the same in the browser, so the same test files run here against
// the same NumPy and glassnet wheels that dist/ ships. The Python side drives this through
// window.glassnetRunPytest(options) and reads back {exitCode, output, errors}.

const status = document.getElementById('status');

function say(text) {
  status.textContent = text;
}

function decodeBase64(text) {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

function writeTree(pyodide, root, files) {
  for (const [relative, base64] of Object.entries(files)) {
    const path = `${root}/${relative}`;
    const parts = path.split('/').slice(0, -1);
    let dir = '';
    for (const part of parts) {
      if (!part) continue;
      dir += `/${part}`;
      if (!pyodide.FS.analyzePath(dir).exists) pyodide.FS.mkdir(dir);
    }
    pyodide.FS.writeFile(path, decodeBase64(base64));
  }
}

async function runPytest({siteURL, wheelUrl, wheelSha256, packages, files, root, args}) {
  const output = [];
  const errors = [];
  say('loading pyodide');
  // Python is started exactly as the page's worker starts it (web/python/pyodide-loader.js).
  const {startPython, installGlassnet} = await import(`${siteURL}python/pyodide-loader.js`);
  let pyodide;
  try {
    ({pyodide} = await startPython({
      indexURL: `${siteURL}pyodide/`,
      stdout: (line) => output.push(line),
      stderr: (line) => output.push(line),
    }));
    await installGlassnet(pyodide, {wheelUrl, wheelSha256});
  } catch (err) {
    return {exitCode: -1, output: output.join('\n'), errors: [String(err)], loaded: []};
  }
  say('loading packages');
  await pyodide.loadPackage(packages, {
    messageCallback: () => {},
    errorCallback: (message) => errors.push(String(message)),
  });
  const loaded = Object.keys(pyodide.loadedPackages);
  if (errors.length) return {exitCode: -1, output: output.join('\n'), errors, loaded};
  writeTree(pyodide, root, files);
  say('running pytest');
  pyodide.globals.set('PYTEST_ARGS', pyodide.toPy(args));
  pyodide.globals.set('PYTEST_ROOT', root);
  let exitCode;
  try {
    exitCode = pyodide.runPython(`
import os, sys, pytest
os.chdir(PYTEST_ROOT)
sys.path.insert(0, PYTEST_ROOT)
int(pytest.main(list(PYTEST_ARGS)))
`);
  } catch (err) {
    errors.push(String(err));
    exitCode = -2;
  }
  say(`done: exit ${exitCode}`);
  return {exitCode, output: output.join('\n'), errors, loaded};
}

window.glassnetRunPytest = runPytest;
say('ready');
document.documentElement.dataset.state = 'ready';
