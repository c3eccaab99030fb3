"""Rotation keeps the newest backup of each of the last N days and of each of the last M months."""

from __future__ import annotations

import datetime as dt

import pytest

from backups.archive import backup_name, list_backups, parse_name, rotate


def _make(folder, *stamps: str, label: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for stamp in stamps:
        created = dt.datetime.fromisoformat(stamp).replace(tzinfo=dt.UTC)
        (folder / backup_name(created, label)).write_bytes(b"x")


def _left(folder) -> list[str]:
    return sorted(b.created_at.strftime("%Y-%m-%d %H:%M") + (f" {b.label}" if b.label else "")
                  for b in list_backups(folder))


@pytest.fixture(autouse=True)
def utc(settings):
    settings.TIME_ZONE = "UTC"


def test_rotation_keeps_the_newest_per_day_and_per_month(tmp_path):
    folder = tmp_path / "backups"
    _make(folder,
          "2026-11-26 03:15", "2026-11-26 12:00", "2026-11-25 03:15", "2026-11-24 03:15", "2026-11-23 03:15",
          "2026-10-31 03:15", "2026-10-15 03:15", "2026-09-30 03:15", "2026-09-01 03:15",
          "2026-08-31 03:15", "2025-12-31 03:15")
    removed = rotate(folder, daily=3, monthly=3)
    assert _left(folder) == [
        "2026-09-30 03:15",  # the newest of September (month 3)
        "2026-10-31 03:15",  # the newest of October (month 2)
        "2026-11-24 03:15", "2026-11-25 03:15",  # days 3 and 2
        "2026-11-26 12:00",  # today's newest: day 1 and month 1
    ]
    assert sorted(parse_name(p.name)[0].strftime("%Y-%m-%d %H:%M") for p in removed) == [
        "2025-12-31 03:15", "2026-08-31 03:15", "2026-09-01 03:15", "2026-10-15 03:15",
        "2026-11-23 03:15", "2026-11-26 03:15"]


def test_rotation_always_keeps_the_newest_and_the_safety_backups(tmp_path):
    folder = tmp_path / "backups"
    _make(folder, "2026-11-20 03:15", "2026-11-21 03:15")
    _make(folder, "2026-11-01 10:00", label="pre-restore")
    rotate(folder, daily=0, monthly=0)
    assert _left(folder) == ["2026-11-01 10:00 pre-restore", "2026-11-21 03:15"]


def test_rotation_days_follow_the_local_time_zone(tmp_path, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    folder = tmp_path / "backups"
    # 02:00 UTC on the 26th is still the evening of the 25th in California.
    _make(folder, "2026-11-26 02:00", "2026-11-25 20:00", "2026-11-26 20:00")
    rotate(folder, daily=2, monthly=0)
    assert _left(folder) == ["2026-11-26 02:00", "2026-11-26 20:00"]


def test_rotation_and_listing_ignore_other_files(tmp_path):
    folder = tmp_path / "backups"
    _make(folder, "2026-11-20 03:15")
    (folder / ".incomplete-budget-backup-20261121T031500Z.zip-42").mkdir()
    (folder / "budget-backup-20261121T031500Z.zip.part").write_bytes(b"half")
    (folder / "notes.txt").write_text("mine")
    assert [b.name for b in list_backups(folder)] == ["budget-backup-20261120T031500Z.zip"]
    assert rotate(folder, daily=0, monthly=0) == []
    assert (folder / "notes.txt").exists() and (folder / "budget-backup-20261121T031500Z.zip.part").exists()
