import pytest

from accounts.models import Account
from accounts.tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("institution", "name", "shown"), [
    ("Discover", "Discover Card", "Discover Card"),
    ("SoFi", "sofi savings", "sofi savings"),
    ("Wells Fargo", "Everyday Checking", "Wells Fargo Everyday Checking"),
    ("", "Cash", "Cash"),
])
def test_an_account_names_its_institution_once(institution, name, shown):
    account = AccountFactory(institution=institution, name=name)
    assert str(account) == shown
    assert Account.objects.find(shown) == account
