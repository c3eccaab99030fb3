import factory

from accounts.models import Account, AccountType, ConnectionStatus


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")
    institution = "Test Bank"
    account_type = AccountType.CHECKING


class LinkedAccountFactory(AccountFactory):
    """An account linked to a Plaid item (no server behind it: for pages and locks)."""

    institution = "First Platypus Bank"
    plaid_item_id = "item-test"
    plaid_access_token = "access-sandbox-secret-token"
    plaid_account_id = factory.Sequence(lambda n: f"acc-{n}")
    plaid_institution_id = "ins_109508"
    plaid_connection_status = ConnectionStatus.CONNECTED


def link_fake_item(fake, item):
    """Link a FakePlaid item the way the Connect page does (exchange, accounts, first sync)."""
    from accounts.sync import link_item

    return link_item(public_token=fake.public_token_for(item), institution_id=item.institution_id)
