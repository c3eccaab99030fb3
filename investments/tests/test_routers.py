import re
from pathlib import Path

import pytest
from django.db import connections, router

from accounts.models import Account
from investments.models import Holding, InvestmentTransaction, Price, Security
from investments.tests.factories import AccountFactory, HoldingFactory, PriceFactory
from tests.shared import sqlite_only

pytestmark = pytest.mark.django_db(databases=["default", "investments"])


def _tables(alias: str) -> set[str]:
    with connections[alias].cursor() as cursor:
        return set(connections[alias].introspection.table_names(cursor))


def _count(alias: str, table: str) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - table names from the models
        return cursor.fetchone()[0]


def test_router_investment_models_live_only_in_investments_db():
    price = PriceFactory()
    HoldingFactory(security=price.security)
    investment_tables = {m._meta.db_table for m in (Security, Holding, Price, InvestmentTransaction)}
    assert investment_tables <= _tables("investments")
    assert not investment_tables & _tables("default")
    assert _count("investments", Security._meta.db_table) == 1
    assert _count("investments", Price._meta.db_table) == 1
    assert connections["investments"].settings_dict["NAME"] != connections["default"].settings_dict["NAME"]


def test_router_main_models_live_only_in_budget_db():
    AccountFactory()
    assert "accounts" in _tables("default") and "accounts" not in _tables("investments")
    assert "auth_user" not in _tables("investments")
    assert _count("default", "accounts") == 1


@sqlite_only("PostgreSQL databases are named by their server, not files in BUDGET_HOME")
def test_router_databases_are_two_files():
    # Test databases are test_<name>, with a suffix per pytest-xdist worker.
    main = Path(connections["default"].settings_dict["NAME"]).name
    investments = Path(connections["investments"].settings_dict["NAME"]).name
    assert re.fullmatch(r"test_budget\.db(_gw\d+)?", main), main
    assert re.fullmatch(r"test_investments\.db(_gw\d+)?", investments), investments


def test_router_routes_reads_writes_and_migrations():
    assert router.db_for_read(Security) == router.db_for_write(Holding) == "investments"
    assert router.db_for_read(Account) == router.db_for_write(Account) == "default"
    assert router.allow_migrate("investments", "investments")
    assert not router.allow_migrate("default", "investments")
    assert not router.allow_migrate("investments", "accounts")
    assert router.allow_migrate("default", "auth")
