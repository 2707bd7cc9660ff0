"""A static file server for dist/ with the MIME types the page needs.

Pyodide streams-compiles .wasm only when served as application/wasm, module workers need a
JavaScript type for .mjs, and the data .gz files must arrive as bytes (no Content-Encoding) since
the page decompresses them itself. Other files go out gzip-compressed, from copies made once at
build time (tools/compress.py), to browsers that ask for it.

Every answer carries the headers a static host cannot always send (defence in depth):
`X-Content-Type-Options: nosniff` (a file is only ever what its type says), `Referrer-Policy:
no-referrer`, and the Content-Security-Policy (tools/csp.py): the page's, with frame-ancestors,
for HTML; the workers' for everything else (it acts only where a response becomes a worker).
"""

from __future__ import annotations

import email.utils
import functools
import http.server
import io
import json
import os
import socket
import sys
from http import HTTPStatus

from tools import csp
from tools.compress import accepts_gzip, compressed_copy

# Answered by the server itself (not a file of the site): the network addresses of this server.
CLASSROOM_PATH = "/classroom.json"

MIME_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".whl": "application/octet-stream",
    ".gz": "application/gzip",
    ".npz": "application/octet-stream",
    ".json": "application/json",
    ".zip": "application/zip",
    ".html": "text/html",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
}


class DistHandler(http.server.SimpleHTTPRequestHandler):
    """Serves one folder; quiet unless `verbose`; tells browsers to revalidate every file."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    verbose = False

    def end_headers(self) -> None:
        # A dev server: always revalidate, so a rebuilt dist/ shows on reload.
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", self._policy())
        if getattr(self, "_varies", False):
            self.send_header("Vary", "Accept-Encoding")  # two forms of one URL: caches keep both
        super().end_headers()

    def _policy(self) -> str:
        """The page's policy for the page (its folder or any .html), the workers' otherwise."""
        path = getattr(self, "path", "").split("?", 1)[0].split("#", 1)[0]  # unset: a bad request
        return csp.PAGE_HEADER if path.endswith(("/", ".html")) else csp.WORKER

    def send_head(self):
        """Hostile or clumsy requests get a 4xx, never a traceback or a dropped connection."""
        try:
            return self._send_file_head()
        except (ValueError, UnicodeError, OSError):  # e.g. a NUL byte (%00) in the path
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad path")
            return None

    def _send_file_head(self):
        """The gzip copy of a file when there is a fresh one and the browser accepts gzip."""
        if self.path.split("?", 1)[0] == CLASSROOM_PATH:
            return self._send_classroom()
        path = self.translate_path(self.path)
        copy = compressed_copy(path) if os.path.isfile(path) and not path.endswith(".gz") else None
        self._varies = copy is not None
        if copy is None or not accepts_gzip(self.headers.get("Accept-Encoding")):
            return super().send_head()
        return self._send_gzip(path, copy)

    def _send_classroom(self) -> object:
        """The addresses students can open (none unless the server listens on the network), so
        the page can show them as a link and a QR code even when the teacher opened 127.0.0.1."""
        body = json.dumps({"urls": list(getattr(self.server, "classroom_urls", []))}).encode()
        self.send_response(http.HTTPStatus.OK)
        self.send_header("Content-type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def _send_gzip(self, path: str, copy) -> object:
        handle = open(copy, "rb")
        try:
            modified = int(os.stat(path).st_mtime)
            since = self.headers.get("If-Modified-Since")
            if since and "If-None-Match" not in self.headers:
                try:
                    if modified <= email.utils.parsedate_to_datetime(since).timestamp():
                        self.send_response(http.HTTPStatus.NOT_MODIFIED)
                        self.end_headers()
                        handle.close()
                        return None
                except (TypeError, ValueError, IndexError, OverflowError):
                    pass  # an unreadable date: send the file
            self.send_response(http.HTTPStatus.OK)
            self.send_header("Content-type", self.guess_type(path))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(os.fstat(handle.fileno()).st_size))
            self.send_header("Last-Modified", self.date_time_string(modified))
            self.end_headers()
            return handle
        except BaseException:
            handle.close()
            raise

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib's name)
        if self.verbose:
            super().log_message(format, *args)

    def list_directory(self, path):  # noqa: ARG002 (stdlib's signature)
        """No listings: a folder without index.html is simply not there."""
        self.send_error(HTTPStatus.NOT_FOUND, "File not found")
        return None


class DistServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """One line instead of socketserver's traceback; a client that hung up is not news."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        print(f"serve: a request from {client_address[0]} failed: {error!r}", file=sys.stderr)


def make_server(directory: str, host: str = "127.0.0.1", port: int = 8000,
                verbose: bool = False) -> http.server.ThreadingHTTPServer:
    """A server for `directory` (not yet serving: call serve_forever). Port 0 picks a free port."""
    handler = type("Handler", (DistHandler,), {"verbose": verbose})
    server_class = DistServer
    if ":" in host:  # an IPv6 address such as "::"
        server_class = type("DistServer6", (DistServer,), {"address_family": socket.AF_INET6})
    server = server_class((host, port), functools.partial(handler, directory=str(directory)))
    server.classroom_urls = [url for url in urls(host, server.server_address[1])
                             if not _is_loopback_url(url)]
    return server


def lan_address() -> str | None:
    """This machine's address on its local network (no packet is sent), or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            return None


def urls(host: str, port: int) -> list[str]:
    """The URLs to print for a server bound to host:port."""
    if host in ("0.0.0.0", "", "::"):
        found = [f"http://127.0.0.1:{port}/"]
        lan = lan_address()
        if lan and not lan.startswith("127."):
            found.append(f"http://{lan}:{port}/")
        return found
    shown = f"[{host}]" if ":" in host else host
    return [f"http://{shown}:{port}/"]


def _is_loopback_url(url: str) -> bool:
    host = url.split("//", 1)[1].rsplit(":", 1)[0]
    return host in ("localhost", "[::1]") or host.startswith("127.")
