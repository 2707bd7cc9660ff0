// Saving a file from the page: the one place that turns bytes or text into a download.
// Why one helper: object URLs must be revoked after the click, and every "Save"/"Export" button
// needs the same few lines.

/**
 * @param {BlobPart} data  bytes (Uint8Array, ArrayBuffer) or text
 * @param {string} name  the file name the browser suggests
 * @param {string} type  its MIME type
 */
export function download(data, name, type = 'application/octet-stream') {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
