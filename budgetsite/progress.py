"""A terminal progress bar for long commands (silent when not on a terminal)."""

from __future__ import annotations

import time


class ProgressBar:
    """Draws `label [#####.....] 45% 4500/10000` in place; only on a TTY and for big jobs."""

    def __init__(self, total: int, stream, *, label: str = "", minimum: int = 2000) -> None:
        self.total = total
        self.stream = stream
        self.label = label
        self.enabled = total >= minimum and getattr(stream, "isatty", lambda: False)()
        self._last = 0.0

    def update(self, done: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.1 and done < self.total):
            return
        self._last = now
        share = done / self.total if self.total else 1
        filled = int(share * 30)
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {share:4.0%} {done}/{self.total}",
            ending="",
        )
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.update(self.total)
            self.stream.write("")
