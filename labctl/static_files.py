"""An app's static files: what ``APP/static/`` holds and may be served, indexed once.

Images, stylesheets, scripts, audio, fonts and PDFs of instructions live in the app's
``static/`` folder. The server serves only the files of this index, looked up by their exact
relative path, so a traversal (``../``, ``%2e%2e``, ``..\\``) or a symlink leaving ``static/``
simply names no entry. The index is built once, when the server starts (like the templates):
a file added or changed during a session is served from the next start on.

Files never served, because they are code or not meant for a browser: ``*.py`` (and
``*.pyc``, ``__pycache__``), hidden files (``.DS_Store``, ``.git``), and anything a symlink
leads to outside ``static/``. The model owns this rule; the server and ``labctl validate``
(``asset_checks``) both read it here.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["STATIC_FOLDER", "AppStaticFile", "content_type", "escaping_links", "index_app",
           "refusal"]

#: the folder of an app whose files are served
STATIC_FOLDER = "static"
#: the characters of the content hash in ``?v=``: enough that two versions never collide
VERSION_LENGTH = 12

#: content types by extension, fixed here so that a PC's own mime.types cannot change them
#: (Python's table lacks woff2 on some systems, and knows .js as application/javascript)
CONTENT_TYPES = {
    ".css": "text/css", ".js": "text/javascript",
    ".mjs": "text/javascript", ".json": "application/json",
    ".map": "application/json", ".html": "text/html",
    ".txt": "text/plain", ".csv": "text/csv",
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp", ".avif": "image/avif",
    ".ico": "image/x-icon", ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf",
    ".otf": "font/otf", ".mp3": "audio/mpeg", ".wav": "audio/wav", ".ogg": "audio/ogg",
    ".oga": "audio/ogg", ".m4a": "audio/mp4", ".mp4": "video/mp4", ".webm": "video/webm",
    ".pdf": "application/pdf", ".wasm": "application/wasm",
}
UNKNOWN_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class AppStaticFile:
    """One servable file: where it is, what it is, and the validators of its content."""

    path: Path
    content_type: str
    etag: str
    last_modified: float

    @property
    def version(self) -> str:
        """The ``?v=`` of its URL: changes whenever the content does."""
        return self.etag[:VERSION_LENGTH]


def content_type(name: str) -> str:
    """The Content-Type a file is served with, by its extension."""
    suffix = os.path.splitext(name)[1].lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or UNKNOWN_TYPE


def refusal(relative: str) -> str | None:
    """Why a path under ``static/`` is never served, or None when it may be."""
    parts = relative.split("/")
    if any(part.startswith(".") for part in parts):
        return "hidden files (a name starting with '.') are not served"
    if relative.endswith((".py", ".pyc")) or "__pycache__" in parts:
        return "Python files are code, never served to a browser"
    return None


def index_app(app_folder: Path) -> dict[str, AppStaticFile]:
    """Every servable file of an app's ``static/``, by its path relative to it (``/``-joined).

    Symlinks are followed only when they stay inside ``static/``; a directory is never an
    entry (no listing)."""
    root = app_folder / STATIC_FOLDER
    if not root.is_dir():
        return {}
    real_root = root.resolve()
    found: dict[str, AppStaticFile] = {}
    for directory, subfolders, files in os.walk(root, followlinks=False):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d != "__pycache__"]
        for name in files:
            path = Path(directory) / name
            relative = path.relative_to(root).as_posix()
            real = path.resolve()
            if refusal(relative) or not real.is_relative_to(real_root) or not real.is_file():
                continue
            found[relative] = _described(real, name)
    return found


def escaping_links(app_folder: Path) -> list[Path]:
    """Symlinks in ``static/`` that lead outside it: never served, so worth a word."""
    root = app_folder / STATIC_FOLDER
    if not root.is_dir():
        return []
    real_root = root.resolve()
    return sorted(path for path in root.rglob("*")
                  if path.is_symlink() and not path.resolve().is_relative_to(real_root))


def _described(path: Path, name: str) -> AppStaticFile:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return AppStaticFile(path, content_type(name), digest.hexdigest()[:32],
                         path.stat().st_mtime)
