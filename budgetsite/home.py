"""The data home (`BUDGET_HOME`) and the secrets generated into it.

The data lives outside the code so it survives updates and reinstalls. On
first use the folder is created and a secrets file is written with mode 0600;
environment variables always win over it.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet

SECRETS_FILE = "secrets.json"


def budget_home() -> Path:
    """The data folder, created (mode 0700) on first use."""
    home = Path(os.environ.get("BUDGET_HOME") or Path.home() / "BudgetApp").expanduser()
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return home


def load_secrets(home: Path) -> dict[str, str]:
    """Read the secrets file, generating missing keys and writing it back 0600.

    Holds SECRET_KEY and FERNET_KEYS (newest first, comma-separated, so keys can
    rotate). Written atomically so a crash never leaves a half file.
    """
    path = home / SECRETS_FILE
    data: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    if not data.get("SECRET_KEY"):
        data["SECRET_KEY"] = secrets.token_urlsafe(50)
        changed = True
    if not data.get("FERNET_KEYS"):
        data["FERNET_KEYS"] = Fernet.generate_key().decode()
        changed = True
    if changed:
        write_secrets(home, data)
    elif path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return data


def write_secrets(home: Path, data: dict[str, str]) -> None:
    """Write the secrets file atomically with mode 0600 from its first byte."""
    path = home / SECRETS_FILE
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
