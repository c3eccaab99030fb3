"""Where the real sample files live: ../shared/data beside the checkout.

Tests and benches read them in place and skip cleanly when the folder is
absent; nothing from it is ever copied into the repository.
"""

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"

requires_shared_data = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"real sample data not found at {SHARED_DATA}"
)


def shared_files(folder: str, *patterns: str) -> list[Path]:
    """Sorted files of `SHARED_DATA/folder` matching any pattern ([] when absent)."""
    base = SHARED_DATA / folder
    if not base.is_dir():
        return []
    return sorted({p for pat in patterns for p in base.glob(pat) if p.name != "SOURCES.md"})
