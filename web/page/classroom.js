// "Class": the address students open, as a large link and a QR code for the projector.
//
// Why: thirty students typing http://192.168.1.23:8000/ from a whiteboard get it wrong; a QR
// code their tablets scan does not. The teacher usually opens the page on 127.0.0.1, which is
// not the address students need, so `build.py serve` answers /classroom.json with the addresses
// it listens on. A page opened on a network address shows that address itself. On https (GitHub
// Pages) nothing is shown: there is no class server. The QR code comes from the vendored
// qrcode-generator package (npm, pinned), never from code of our own.

function isLoopback(hostname) {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\./.test(hostname);
}

/** The addresses to show: the server's network addresses, else this page's own, else none. */
export async function classroomUrls(loc = location) {
  if (loc.protocol !== 'http:') return [];
  let urls = [];
  if (navigator.onLine !== false) {
    try {
      const response = await fetch('./classroom.json', { cache: 'no-store' });
      if (response.ok) urls = (await response.json()).urls || [];
    } catch {
      urls = []; // another static server, or no network: fall back to this page's address
    }
  }
  const here = `${loc.origin}${loc.pathname}`;
  if (!urls.length && !isLoopback(loc.hostname)) urls = [here];
  return urls.filter((u) => /^https?:\/\//.test(u));
}

/** The QR code of `text` as an SVG string (scales with its box); the library loads on first use. */
export async function qrSvg(text) {
  const { qrcode } = await import('../vendor/qrcode-generator/qrcode.mjs');
  const code = qrcode(0, 'M'); // 0: the smallest version that holds the text
  code.addData(text);
  code.make();
  return code.createSvgTag({ cellSize: 4, margin: 16, scalable: true, title: `QR code: ${text}` });
}

/** Shows the panel above section 1 when there is an address to share; returns it (or null). */
export async function mountClassroom(before = document.querySelector('main')) {
  const urls = await classroomUrls();
  if (!urls.length) return null;
  const url = urls[0];
  const teacher = isLoopback(location.hostname); // on the serving laptop: open for the projector
  const section = document.createElement('section');
  section.className = 'classroom';
  section.dataset.testid = 'classroom';
  section.innerHTML = `
    <details ${teacher ? 'open' : ''}>
      <summary><h2>Class: open this page on every tablet and laptop</h2></summary>
      <div class="classroom-body">
        <div class="classroom-qr" data-testid="classroom-qr"></div>
        <div class="classroom-text">
          <p>Scan the code with a camera, or type the address:</p>
          <a class="classroom-link" data-testid="classroom-link"></a>
          <p class="classroom-note">Works with no internet while this laptop runs
            <code>build.py serve</code>. Students keep no offline copy over plain http: the page
            stops when the server stops.</p>
        </div>
      </div>
    </details>`;
  const link = section.querySelector('.classroom-link');
  link.href = url;
  link.textContent = url.replace(/^http:\/\//, '').replace(/\/$/, '');
  const qr = section.querySelector('.classroom-qr');
  qr.innerHTML = await qrSvg(url);
  qr.dataset.url = url;
  if (urls.length > 1) {
    const others = document.createElement('p');
    others.className = 'classroom-note';
    others.textContent = `Also: ${urls.slice(1).join(', ')}`;
    section.querySelector('.classroom-text').append(others);
  }
  before.before(section);
  return section;
}
