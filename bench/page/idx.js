// Fetch and parse the idx .gz files the benchmark trains on (same bytes for every contender).

async function gunzip(buffer) {
  const stream = new Blob([buffer]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Parse uint8 idx bytes: 0,0,0x08,ndim, big-endian int32 dims, then the data. */
export function parseIdx(bytes) {
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) throw new Error('not a uint8 idx file');
  const ndim = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = [];
  for (let i = 0; i < ndim; i += 1) shape.push(view.getInt32(4 + 4 * i, false));
  return {shape, data: bytes.subarray(4 + 4 * ndim)};
}

export async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

export async function fetchIdx(url) {
  const raw = await fetchBytes(url);
  return parseIdx(raw[0] === 0x1f && raw[1] === 0x8b ? await gunzip(raw) : raw);
}
