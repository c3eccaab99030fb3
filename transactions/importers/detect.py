"""Pick the reader for an uploaded file and return its rows, grouped by account.

CSV, OFX/QFX and QIF all come back in one shape, so the import workflow, the
commands and the web page never care which format a bank used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from transactions.importers import presets
from transactions.importers.base import ImportFileError, ImportRow
from transactions.importers.generic import ColumnMapping, header_signature
from transactions.importers.ofx import parse_ofx
from transactions.importers.qif import parse_qif

OFX_SUFFIXES = (".ofx", ".qfx")
QIF_SUFFIXES = (".qif",)


@dataclass
class Statement:
    """The rows of one account in a file. `account_ref` is the file's account number, if any."""

    rows: Iterable[ImportRow]
    account_ref: str = ""
    kind: str = ""


@dataclass
class FileContents:
    file_name: str
    format_name: str
    format_label: str
    statements: list[Statement]
    categories: str = ""
    header: list[str] = field(default_factory=list)
    header_signature: str = ""
    skipped: list[str] = field(default_factory=list)


def _kind_of(data: bytes, file_name: str) -> str:
    lowered = file_name.lower()
    if lowered.endswith(OFX_SUFFIXES):
        return "ofx"
    if lowered.endswith(QIF_SUFFIXES):
        return "qif"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \r\n\t").upper()
    if head.startswith((b"OFXHEADER", b"<OFX", b"<?XML")) and b"<OFX" in data[:65536].upper():
        return "ofx"
    if head.startswith((b"!TYPE:", b"!ACCOUNT", b"!OPTION")):
        return "qif"
    return "csv"


def read_file(
    data: bytes, *, file_name: str, preset: str = "auto", mapping: ColumnMapping | None = None
) -> FileContents:
    """Recognise and open a file; rows of CSV files are read lazily as they are consumed."""
    if not data.strip():
        raise ImportFileError("the file is empty", file=file_name)
    kind = _kind_of(data, file_name)
    if kind == "ofx" and mapping is None:
        parsed = parse_ofx(data, filename=file_name)
        return FileContents(
            file_name, "ofx", "OFX/QFX statement",
            [Statement(a.rows, a.account_ref, a.kind) for a in parsed.accounts],
            skipped=list(parsed.skipped),
        )
    if kind == "qif" and mapping is None:
        parsed = parse_qif(data, filename=file_name)
        grouped: dict[str, list[ImportRow]] = {}
        for row in parsed.rows:
            grouped.setdefault(row.account_ref, []).append(row)
        return FileContents(file_name, "qif", "QIF file",
                            [Statement(rows, ref) for ref, rows in grouped.items()] or [Statement([])],
                            categories="user", skipped=list(parsed.skipped))
    try:
        parsed = presets.parse(data, filename=file_name, preset=preset, mapping=mapping)
    except ValueError as exc:  # an unknown preset name
        raise ImportFileError(str(exc), file=file_name) from exc
    return FileContents(
        file_name, parsed.preset_name, parsed.preset_label, [Statement(parsed.rows)],
        categories=parsed.categories, header=list(parsed.header),
        header_signature=header_signature(parsed.header, width=parsed.sniffed.width),
    )
