// Colours for the glass-box pictures. Only drawing happens here: every number painted was
// computed by glassnet's Python (webapi); this module maps numbers to pixels.
//
// Why a diverging map: a weight or gradient has a sign, and "how far from zero" matters as much
// as "which way". Blue is negative, white is zero, red is positive.

const NEG = [33, 102, 172];
const MID = [247, 247, 247];
const POS = [178, 24, 43];

/** A value in [-1, 1] as an [r, g, b] colour (blue, white, red). */
export function diverging(v) {
  const t = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0));
  const end = t < 0 ? NEG : POS;
  const a = Math.abs(t);
  return [0, 1, 2].map((k) => Math.round(MID[k] + (end[k] - MID[k]) * a));
}

/** The largest absolute value (the symmetric scale a picture is drawn with); 0 if none. */
export function maxAbs(values) {
  let m = 0;
  for (const v of values) if (Number.isFinite(v) && Math.abs(v) > m) m = Math.abs(v);
  return m;
}

/** Paints `values` (width*height, row-major; square unless told) into `canvas` with the diverging map, +-scale. */
export function paintDiverging(canvas, values, scale, width = Math.round(Math.sqrt(values.length)), height = width) {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(width, height);
  const s = scale > 0 ? scale : 1;
  for (let i = 0; i < width * height; i += 1) {
    const [r, g, b] = diverging((values[i] ?? 0) / s);
    image.data.set([r, g, b, 255], i * 4);
  }
  ctx.putImageData(image, 0, 0);
}

/**
 * The input in grey with the saliency laid over it: red where raising a pixel raises the
 * chosen class's score, blue where it lowers it; the stronger, the more opaque.
 */
export function paintSaliency(canvas, input, saliency) {
  const side = Math.round(Math.sqrt(input.length));
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext('2d');
  const image = ctx.createImageData(side, side);
  const scale = maxAbs(saliency) || 1;
  for (let i = 0; i < side * side; i += 1) {
    const grey = Math.round(40 + 0.45 * 255 * (input[i] ?? 0)); // dimmed, so colour shows on top
    const t = (saliency[i] ?? 0) / scale;
    const alpha = Math.min(1, Math.abs(t) * 1.1); // faint for small gradients, so strong ones stand out
    const [r, g, b] = diverging(t < 0 ? -1 : 1);
    image.data.set([
      Math.round(grey * (1 - alpha) + r * alpha),
      Math.round(grey * (1 - alpha) + g * alpha),
      Math.round(grey * (1 - alpha) + b * alpha),
      255,
    ], i * 4);
  }
  ctx.putImageData(image, 0, 0);
}

/** One layer's values as a strip of square cells, `columns` a row, coloured +-max|value|. */
export function paintStrip(canvas, values, columns, cell = 10) {
  const n = values.length;
  const cols = Math.max(1, Math.min(columns, n));
  const rows = Math.ceil(n / cols);
  canvas.width = cols * cell;
  canvas.height = rows * cell;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const scale = maxAbs(values) || 1;
  values.forEach((v, i) => {
    const [r, g, b] = diverging(v / scale);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect((i % cols) * cell, Math.floor(i / cols) * cell, cell - 1, cell - 1);
  });
  return scale;
}

/** A small horizontal legend: -scale (blue) .. 0 (white) .. +scale (red). */
export function legend(scale, digits = 2) {
  const wrap = document.createElement('span');
  wrap.className = 'colour-legend';
  const fmt = (v) => (Math.abs(v) > 0 && Math.abs(v) < 0.01 ? v.toExponential(1) : v.toFixed(digits));
  wrap.innerHTML = '<span class="lo"></span><span class="ramp" aria-hidden="true"></span><span class="hi"></span>';
  wrap.querySelector('.lo').textContent = `−${fmt(scale)}`;
  wrap.querySelector('.hi').textContent = `+${fmt(scale)}`;
  return wrap;
}
