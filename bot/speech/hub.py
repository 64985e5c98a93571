"""The model hub behind a thin edge: what a file on the hub is (size, hash) and a resumable download.

huggingface_hub (the hub's own client) does the talking: `HF_ENDPOINT`, `HF_TOKEN`, `HF_HUB_OFFLINE`,
proxies and the hub's redirects to its CDN are handled the way every hub tool handles them. We stream
the body ourselves because `hf_hub_download` (2.x) deletes its partial file when a download fails, so
a cut connection could not be resumed on the next run, and it checks sizes but not hashes.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20
ATTEMPTS = 3  # tries per file within one run, each resuming where the last stopped
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_GIT_SHA1 = re.compile(r"^[0-9a-f]{40}$")


class HubError(Exception):
    """A hub operation failed; the message is one line for the user."""


class HubNotFound(HubError):
    """The hub has no such file (or repo)."""


class HubNetworkError(HubError):
    """The hub could not be reached, or the connection dropped."""


class HubIntegrityError(HubError):
    """What arrived is not what the hub says the file is."""


@dataclass(frozen=True, slots=True)
class RemoteFile:
    path: str  # inside the repo
    url: str  # where the bytes are (the hub's CDN location for large files)
    size: int | None
    digest: str | None  # sha256 for LFS files, git blob sha1 for small ones, as the hub states them
    same_origin: bool  # the bytes come from the hub itself: the token may go along


def endpoint() -> str:
    """The hub's base URL: `HF_ENDPOINT` (the hub's own convention, read at call time) or the public hub."""
    return os.environ.get("HF_ENDPOINT", "").rstrip("/") or "https://huggingface.co"


def remote_file(repo: str, path: str, revision: str = "main") -> RemoteFile:
    """Ask the hub (HEAD on its resolve endpoint) for a file's location, size and hash."""
    try:
        from huggingface_hub import get_hf_file_metadata, hf_hub_url
    except ImportError:
        raise HubError("huggingface_hub is not installed (pip install 'livebot[piper]'), "
                       "or install from files with --from DIR") from None
    base = endpoint()
    url = hf_hub_url(repo, path, revision=revision, endpoint=base)
    try:
        meta = get_hf_file_metadata(url, endpoint=base)
    except Exception as exc:
        raise _translate(exc, path) from None
    location = meta.location or url
    return RemoteFile(path=path, url=location, size=meta.size, digest=(meta.etag or "").lower() or None,
                      same_origin=_origin(location) == _origin(base))


def download(remote: RemoteFile, part: Path, on_bytes: Callable[[int], None] | None = None) -> None:
    """Fetch `remote` into `part`, resuming from what `part` already holds; raises with `part` kept
    (the next run resumes) on a network error, and HubIntegrityError if it grows past the stated size."""
    for attempt in range(ATTEMPTS):
        try:
            _fetch(remote, part, on_bytes)
            break
        except HubNetworkError:
            if attempt == ATTEMPTS - 1:
                raise
            time.sleep(0.5)
    have = part.stat().st_size
    if remote.size is not None and have != remote.size:
        raise HubIntegrityError(f"{Path(remote.path).name}: got {have} bytes, the hub says {remote.size}")


def _fetch(remote: RemoteFile, part: Path, on_bytes: Callable[[int], None] | None) -> None:
    import httpx2
    from huggingface_hub import get_session
    from huggingface_hub.utils import build_hf_headers

    have = part.stat().st_size if part.exists() else 0
    if remote.size is not None and have >= remote.size:
        return
    # The token never goes to the CDN the hub redirects large files to (signed URLs need none).
    headers = build_hf_headers() if remote.same_origin else build_hf_headers(token=False)
    headers["Accept-Encoding"] = "identity"  # sizes and hashes are of the file, not of a gzip of it
    if have:
        headers["Range"] = f"bytes={have}-"
    name = Path(remote.path).name
    try:
        with get_session().stream("GET", remote.url, headers=headers, follow_redirects=True,
                                  timeout=httpx2.Timeout(30.0, connect=10.0)) as response:
            if response.status_code == 404:
                raise HubNotFound(f"{name}: not on the hub (404)")
            if response.status_code >= 400:
                raise HubNetworkError(f"{name}: the hub answered HTTP {response.status_code}")
            # A server that ignores Range sends the whole file again: start the part over.
            mode = "ab" if have and response.status_code == 206 else "wb"
            if mode == "wb" and have and on_bytes:
                on_bytes(-have)
            with part.open(mode) as f:
                for chunk in response.iter_bytes(CHUNK):
                    f.write(chunk)
                    if on_bytes:
                        on_bytes(len(chunk))
    except HubError:
        raise
    except (httpx2.TransportError, OSError) as exc:
        got = part.stat().st_size if part.exists() else 0
        if got > have or isinstance(exc, httpx2.RemoteProtocolError):
            raise HubNetworkError(f"{name}: connection dropped at {got} of {remote.size or '?'} bytes") from None
        raise HubNetworkError(f"{name}: connection failed ({type(exc).__name__}: {_first_line(exc)})") from None
    got = part.stat().st_size
    if remote.size is not None and got < remote.size:
        # A body can end quietly at a dropped connection: only the size tells.
        raise HubNetworkError(f"{name}: connection dropped at {got} of {remote.size} bytes")


def verify(path: Path, remote: RemoteFile) -> None:
    """Size and hash as the hub states them: sha256 for LFS files, git's blob sha1 for small ones."""
    name = Path(remote.path).name
    size = path.stat().st_size
    if remote.size is not None and size != remote.size:
        raise HubIntegrityError(f"{name}: {size} bytes, the hub says {remote.size}")
    digest = remote.digest or ""
    if _SHA256.match(digest):
        got = _sha256(path)
        kind = "sha256"
    elif _GIT_SHA1.match(digest):
        got = _git_sha1(path)
        kind = "git sha1"
    else:
        return  # the hub stated no hash we know: the size check is what there is
    if got != digest:
        raise HubIntegrityError(f"{name}: {kind} {got[:12]}… but the hub says {digest[:12]}… (corrupt download)")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _git_sha1(path: Path) -> str:
    data = path.read_bytes()  # small files only: the hub keeps large ones in LFS
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _origin(url: str) -> tuple[str, str, int | None]:
    from urllib.parse import urlsplit

    u = urlsplit(url)
    return u.scheme, (u.hostname or "").lower(), u.port or {"http": 80, "https": 443}.get(u.scheme)


def _translate(exc: Exception, path: str) -> HubError:
    """huggingface_hub's exceptions to ours, one line each (no tokens: messages carry no headers)."""
    import httpx2
    from huggingface_hub.errors import (
        EntryNotFoundError,
        HfHubHTTPError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    name = Path(path).name
    if isinstance(exc, EntryNotFoundError | RepositoryNotFoundError | RevisionNotFoundError):
        return HubNotFound(f"{name}: not on the hub (404)")
    if isinstance(exc, HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else None
        if status == 404:
            return HubNotFound(f"{name}: not on the hub (404)")
        return HubNetworkError(f"{name}: the hub answered HTTP {status}")
    if isinstance(exc, OfflineModeIsEnabled):
        return HubNetworkError("HF_HUB_OFFLINE is set: no downloads (use --from DIR)")
    if isinstance(exc, httpx2.TransportError | OSError):
        return HubNetworkError(f"cannot reach the hub at {endpoint()} ({type(exc).__name__}: {_first_line(exc)})")
    return HubError(f"{name}: {type(exc).__name__}: {_first_line(exc)}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
