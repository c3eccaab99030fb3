"""Our tables must keep every column of the original app's, with its nullability."""

import re
from pathlib import Path

import pytest
from django.db import connection

DDL = (Path(__file__).parent / "original_schema.sql").read_text()


def _original_columns() -> dict[str, dict[str, bool]]:
    """{table: {column: nullable}} parsed from the original CREATE TABLE statements."""
    tables = {}
    for name, body in re.findall(r"CREATE TABLE (\w+) \((.*?)\);", DDL, re.S):
        columns = {}
        for part in re.split(r",\s*(?![^()]*\))", body):
            part = part.strip()
            if not part or part.split()[0] in {"PRIMARY", "FOREIGN", "UNIQUE", "CONSTRAINT"}:
                continue
            column = part.split()[0].strip('"')
            columns[column] = "NOT NULL" not in part
        tables[name] = columns
    return tables


ORIGINAL = _original_columns()


def test_original_ddl_parses_all_nine_tables():
    assert len(ORIGINAL) == 9
    assert ORIGINAL["transactions"]["amount"] is False
    assert ORIGINAL["transactions"]["category_id"] is True


@pytest.mark.django_db
@pytest.mark.parametrize("table", sorted(ORIGINAL))
def test_schema_keeps_original_columns_and_nullability(table):
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, table)
    ours = {col.name: col.null_ok for col in description}
    for column, nullable in ORIGINAL[table].items():
        assert column in ours, f"{table}.{column} is missing"
        if column != "id":
            assert ours[column] == nullable, f"{table}.{column} nullability differs"


@pytest.mark.django_db
def test_schema_keeps_original_index_names():
    with connection.cursor() as cursor:
        names = {
            name
            for table in ORIGINAL
            for name in connection.introspection.get_constraints(cursor, table)
        }
    for index in re.findall(r"(?:INDEX|CONSTRAINT) (\w+)", DDL):
        assert index in names, f"index or constraint {index} is missing"
