import factory

from accounts.models import Account, AccountType


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")
    institution = "Test Bank"
    account_type = AccountType.CHECKING
