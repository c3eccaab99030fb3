"""Every real sample file through the whole import: it imports, re-imports adding
nothing, and reverts to the exact previous state, or it is refused with a reason.

Row counts, signs and dates per file are asserted by the importer tests; this
walk checks the pipeline around them.
"""

import pytest

from accounts.tests.factories import AccountFactory
from tests.shared import requires_shared_data, shared_files
from transactions.deletion import revert_import
from transactions.importers.base import ImportFileError
from transactions.imports import import_file
from transactions.models import ImportBatch, Transaction

FILES = shared_files("bank-csv", "*.csv") + shared_files("ofx", "*.ofx", "*.qfx", "*.qif")

pytestmark = [pytest.mark.django_db, requires_shared_data]


def _state():
    return sorted(Transaction.objects.values_list("id", "account_id", "date", "amount", "fingerprint",
                                                  "external_id"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_shared_file_imports_idempotently_and_reverts_exactly(path):
    from transactions.importers.detect import read_file

    account = AccountFactory()
    data = path.read_bytes()
    chosen = {}
    try:
        statements = read_file(data, file_name=path.name).statements
        if len(statements) > 1:  # a multi-account file: each statement gets its own account
            chosen = {s.account_ref: AccountFactory() for s in statements}
        first = import_file(data, file_name=path.name, account=account, chosen=chosen)
    except ImportFileError as exc:
        message = str(exc)
        assert path.name in message and len(message) > len(path.name) + 10
        assert not Transaction.objects.exists() and not ImportBatch.objects.exists()
        return
    assert sum(r.added for _, r in first.results) == Transaction.objects.count()
    after = _state()
    again = import_file(data, file_name=path.name, account=account, chosen=chosen)
    assert sum(r.added for _, r in again.results) == 0
    assert _state() == after
    for batch in ImportBatch.objects.filter(pk__in=[r.batch_id for _, r in first.results]):
        revert_import(batch)
    assert not Transaction.objects.exists()
