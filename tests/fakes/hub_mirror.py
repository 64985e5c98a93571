"""A local mirror of the model hub on 127.0.0.1: the resolve endpoint with the hub's headers and a
separate "CDN" origin for large (LFS) files, with faults a test can switch on.

Like the hub: `HEAD/GET /{repo}/resolve/{rev}/{path}` answers small files itself (ETag = git blob sha1)
and redirects large ones (302, `X-Linked-Etag` = sha256, `X-Linked-Size`) to another origin that
honours `Range`; a missing file is a 404 with `X-Error-Code: EntryNotFound`.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMMIT = "a" * 40
LFS_MIN = 1 << 16  # files at least this big are served the way the hub serves LFS files


@dataclass
class MirrorState:
    files: dict[str, bytes] = field(default_factory=dict)  # "repo/path" -> bytes
    corrupt: set[str] = field(default_factory=set)  # serve different bytes of the same size
    cut_after: int | None = None  # CDN responses stop after this many body bytes, then close
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, Range)
    served: int = 0  # CDN body bytes sent


def _git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class _Hub(BaseHTTPRequestHandler):
    state: MirrorState
    cdn_base: str

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002  (quiet tests)
        pass

    def do_HEAD(self) -> None:  # noqa: N802
        self._resolve(body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._resolve(body=True)

    def _resolve(self, body: bool) -> None:
        self.state.requests.append((self.command, self.path, self.headers.get("Range", "")))
        parts = self.path.split("?")[0].lstrip("/").split("/")
        # owner/name/resolve/revision/path...
        if len(parts) < 5 or parts[2] != "resolve":
            return self._not_found("RepoNotFound")
        key = "/".join(parts[:2] + parts[4:])
        data = self.state.files.get(key)
        if data is None:
            return self._not_found("EntryNotFound")
        if len(data) >= LFS_MIN:
            sha = hashlib.sha256(data).hexdigest()
            self.send_response(302)
            self.send_header("Location", f"{self.cdn_base}/blobs/{sha}")
            self.send_header("X-Linked-Etag", f'"{sha}"')
            self.send_header("X-Linked-Size", str(len(data)))
            self.send_header("ETag", f'"{_git_sha1(data[:64])}"')  # the pointer file's id, as on the hub
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        self.send_response(200)
        self.send_header("ETag", f'"{_git_sha1(data)}"')
        self.send_header("X-Repo-Commit", COMMIT)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        if body:
            self.wfile.write(data)
        return None

    def _not_found(self, code: str) -> None:
        message = b"Entry not found"
        self.send_response(404)
        self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", message.decode())
        self.send_header("Content-Length", str(len(message)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(message)


class _Cdn(BaseHTTPRequestHandler):
    state: MirrorState

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        rng = self.headers.get("Range", "")
        self.state.requests.append(("GET", self.path, rng))
        sha = self.path.rsplit("/", 1)[-1]
        key, data = next(((k, d) for k, d in self.state.files.items() if hashlib.sha256(d).hexdigest() == sha),
                         ("", b""))
        if not key:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if key in self.state.corrupt:
            data = bytes(reversed(data))  # same size, wrong bytes
        start = int(rng.removeprefix("bytes=").split("-")[0]) if rng.startswith("bytes=") else 0
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", f'"{sha}"')
        self.end_headers()
        chunk = data[start:]
        if self.state.cut_after is not None:
            chunk = chunk[: self.state.cut_after]
        self.wfile.write(chunk)
        self.state.served += len(chunk)
        if self.state.cut_after is not None:
            self.wfile.flush()
            self.close_connection = True  # the rest never comes: a dropped connection


class HubMirror:
    """Two loopback servers: the hub (`endpoint`) and its CDN. Use as a context manager."""

    def __init__(self) -> None:
        self.state = MirrorState()
        cdn_handler = type("Cdn", (_Cdn,), {"state": self.state})
        self._cdn = ThreadingHTTPServer(("127.0.0.1", 0), cdn_handler)
        cdn_base = f"http://127.0.0.1:{self._cdn.server_address[1]}"
        hub_handler = type("Hub", (_Hub,), {"state": self.state, "cdn_base": cdn_base})
        self._hub = ThreadingHTTPServer(("127.0.0.1", 0), hub_handler)
        self.endpoint = f"http://127.0.0.1:{self._hub.server_address[1]}"
        self._threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (self._hub, self._cdn)]

    def add(self, repo: str, path: str, data: bytes) -> None:
        self.state.files[f"{repo}/{path}"] = data

    def __enter__(self) -> HubMirror:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for s in (self._hub, self._cdn):
            s.shutdown()
            s.server_close()
