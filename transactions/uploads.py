"""Uploaded files kept between the preview and the confirmation of an import.

Stored in BUDGET_HOME/uploads under a random token (never the user's file
name), and swept after a day, so an abandoned preview leaves nothing behind.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

from django.conf import settings

MAX_AGE_SECONDS = 24 * 3600


def _folder() -> Path:
    folder = Path(settings.BUDGET_HOME) / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def save(data: bytes, meta: dict) -> str:
    """Keep an upload; return its token."""
    sweep()
    token = secrets.token_urlsafe(16)
    (_folder() / f"{token}.bin").write_bytes(data)
    (_folder() / f"{token}.json").write_text(json.dumps(meta))
    return token


def load(token: str) -> tuple[bytes, dict] | None:
    """The upload and its metadata, or None when the token is unknown or expired."""
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    data_path, meta_path = _folder() / f"{token}.bin", _folder() / f"{token}.json"
    if not data_path.exists() or not meta_path.exists():
        return None
    return data_path.read_bytes(), json.loads(meta_path.read_text())


def update(token: str, **changes) -> None:
    found = load(token)
    if found:
        meta = {**found[1], **changes}
        (_folder() / f"{token}.json").write_text(json.dumps(meta))


def discard(token: str) -> None:
    for suffix in (".bin", ".json"):
        (_folder() / f"{token}{suffix}").unlink(missing_ok=True)


def sweep() -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for path in _folder().glob("*"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
