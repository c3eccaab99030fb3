"""What every importer yields, and the one error type a bad file raises.

Importers turn a file into plain `ImportRow`s and know nothing about the
database; `transactions.ingest` does the rest (dedupe, categorize, insert).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One transaction as a source file states it.

    `amount > 0` is money out (an expense), `amount < 0` money in: every
    importer converts its bank's sign convention to this one.
    """

    date: datetime.date
    description: str
    amount: Decimal
    external_id: str = ""
    merchant_name: str = ""
    is_pending: bool = False
    category_name: str = ""
    line: int = 0
    account_ref: str = ""


class ImportFileError(Exception):
    """A file that cannot be imported, located as precisely as we can.

    str() gives `FILE:LINE:COLUMN: message` (parts that are unknown are left
    out), the form commands print and pages show.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str = "",
        line: int | None = None,
        column: str | int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    def located(self, file: str) -> ImportFileError:
        """Return the same error naming `file` (importers often read streams)."""
        return ImportFileError(self.message, file=file, line=self.line, column=self.column)

    def __str__(self) -> str:
        place = ":".join(str(p) for p in (self.file, self.line) if p not in ("", None))
        if self.column not in ("", None):
            place = f"{place}, column {self.column}" if place else f"column {self.column}"
        return f"{place}: {self.message}" if place else self.message
