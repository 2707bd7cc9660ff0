// The drawing pad: light strokes on a dark square, like a Fashion-MNIST image.
//
// Pointer events cover mouse, touch and pen with one code path; pointer capture keeps a stroke
// going when it leaves the square; `touch-action: none` (style.css) stops the page scrolling
// under a finger. Pen pressure, when the device reports it, widens the stroke a little.

const BACKGROUND = '#000000';
const INK = '#ffffff';

export class DrawingPad {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {() => void} onChange  called while drawing and after clearing
   */
  constructor(canvas, onChange) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.onChange = onChange;
    this.brush = 18;
    this.last = null;
    this.empty = true;
    this.clear(false);

    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) {
      canvas.addEventListener(type, () => this.up());
    }
  }

  /** The pointer position in canvas pixels (the canvas is scaled by CSS). */
  point(e) {
    const rect = this.canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - rect.left) * this.canvas.width) / rect.width,
      y: ((e.clientY - rect.top) * this.canvas.height) / rect.height,
      width: this.brush * (e.pointerType === 'pen' && e.pressure > 0 ? 0.6 + e.pressure * 0.8 : 1),
    };
  }

  down(e) {
    if (e.button !== 0 && e.pointerType === 'mouse') return;
    e.preventDefault();
    try {
      this.canvas.setPointerCapture(e.pointerId);
    } catch (_) {
      // A pointer the browser no longer knows (e.g. already lifted): draw without capture.
    }
    this.last = this.point(e);
    this.segment(this.last, this.last);
  }

  move(e) {
    if (!this.last) return;
    e.preventDefault();
    // Coalesced events give the in-between points of a fast stroke.
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of events.length ? events : [e]) {
      const p = this.point(ev);
      this.segment(this.last, p);
      this.last = p;
    }
  }

  up() {
    this.last = null;
  }

  segment(from, to) {
    const { ctx } = this;
    ctx.strokeStyle = INK;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = to.width;
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x + 0.01, to.y);
    ctx.stroke();
    this.empty = false;
    this.onChange();
  }

  clear(notify = true) {
    this.ctx.fillStyle = BACKGROUND;
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.empty = true;
    if (notify) this.onChange();
  }

  /** Draws a simple T-shirt so keyboard users (and demos) get a prediction without a pointer. */
  drawExample() {
    this.clear(false);
    const { ctx } = this;
    const s = this.canvas.width / 280;
    ctx.fillStyle = INK;
    ctx.beginPath();
    const outline = [[95, 40], [185, 40], [250, 90], [220, 130], [195, 110], [195, 245],
      [85, 245], [85, 110], [60, 130], [30, 90]];
    outline.forEach(([x, y], i) => (i ? ctx.lineTo(x * s, y * s) : ctx.moveTo(x * s, y * s)));
    ctx.closePath();
    ctx.fill();
    this.empty = false;
    this.onChange();
  }

  /** RGBA pixels, row-major, as webapi.predict_drawing expects. */
  pixels() {
    const { width, height } = this.canvas;
    return { pixels: this.ctx.getImageData(0, 0, width, height).data, width, height };
  }
}
