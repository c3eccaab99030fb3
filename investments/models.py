"""Securities, holdings, prices and investment activity, stored in `investments.db`.

Every model here lives in the "investments" database (see `routers.py`).
Holdings and transactions name the main database's Account by `account_id`,
a plain integer, because SQLite cannot enforce a foreign key across two
files; `consistency.py` removes them when their Account is deleted and
`manage.py check --database investments` reports any left behind.

Quantities and prices keep six decimals (fund units, sub-cent quotes);
money totals (cost basis, amounts, fees) are cents, as everywhere else.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone

QUANTITY = {"max_digits": 20, "decimal_places": 6}
MONEY = {"max_digits": 14, "decimal_places": 2}


def plain(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: "3.5", "100" (quantities, chart prices)."""
    return format(value.normalize(), "f")


class SecurityType(models.TextChoices):
    EQUITY = "equity", "Stock"
    ETF = "etf", "ETF"
    MUTUAL_FUND = "mutual_fund", "Mutual fund"
    BOND = "bond", "Bond"
    CASH = "cash", "Cash"
    OPTION = "option", "Option"
    CRYPTO = "crypto", "Crypto"
    OTHER = "other", "Other"


# What price providers quote; bonds, options and cash are valued from their institution.
QUOTABLE_TYPES = (SecurityType.EQUITY, SecurityType.ETF, SecurityType.MUTUAL_FUND, SecurityType.CRYPTO,
                  SecurityType.OTHER)


class Source(models.TextChoices):
    PLAID = "plaid", "Plaid"
    OFX = "ofx", "OFX file"
    MANUAL = "manual", "Manual"


class Security(models.Model):
    """Something that can be held: a stock, a fund, a bond, cash.

    Matched across sources by its identifiers, most specific first: Plaid's
    `security_id`, ISIN, CUSIP, then the ticker. Prices are fetched by ticker.
    """

    ticker = models.CharField(max_length=20, blank=True, default="")
    name = models.CharField(max_length=200)
    security_type = models.CharField(max_length=20, choices=SecurityType.choices, default=SecurityType.OTHER)
    currency = models.CharField(max_length=3, default="USD")
    cusip = models.CharField(max_length=9, blank=True, default="")
    isin = models.CharField(max_length=12, blank=True, default="")
    plaid_security_id = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["ticker", "name"]
        constraints = [
            models.UniqueConstraint(fields=["ticker"], condition=~Q(ticker=""),
                                    name="security_ticker_unique"),
            models.UniqueConstraint(fields=["cusip"], condition=~Q(cusip=""), name="security_cusip_unique"),
            models.UniqueConstraint(fields=["isin"], condition=~Q(isin=""), name="security_isin_unique"),
            models.UniqueConstraint(fields=["plaid_security_id"], condition=~Q(plaid_security_id=""),
                                    name="security_plaid_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.ticker} {self.name}" if self.ticker else self.name



class HoldingQuerySet(models.QuerySet):
    def of_accounts(self, account_ids) -> HoldingQuerySet:
        return self.filter(account_id__in=list(account_ids))


class Holding(models.Model):
    """How much of one security one investment account holds, as of a date.

    `account_id` is an `accounts.Account` pk in the main database (no
    cross-database key). `cost_basis` is the total paid (None: unknown, as in
    most OFX files). The price an institution reports with a position is
    stored as a Price (source "plaid" or "ofx"), used until a provider has a
    newer one.
    """

    account_id = models.IntegerField(db_index=True)
    security = models.ForeignKey("investments.Security", on_delete=models.PROTECT, related_name="holdings")
    quantity = models.DecimalField(**QUANTITY)
    cost_basis = models.DecimalField(**MONEY, null=True, blank=True)
    as_of = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HoldingQuerySet.as_manager()

    class Meta:
        ordering = ["account_id", "security_id"]
        constraints = [
            models.UniqueConstraint(fields=["account_id", "security"],
                                    name="holding_account_security_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} {self.security} in account {self.account_id}"


class Price(models.Model):
    """One daily close of one security from one source: a provider ("yahoo", "stooq"),
    the institution ("plaid", "ofx") or a person ("manual")."""

    security = models.ForeignKey("investments.Security", on_delete=models.CASCADE, related_name="prices")
    date = models.DateField()
    close = models.DecimalField(**QUANTITY)
    source = models.CharField(max_length=20)

    class Meta:
        ordering = ["security_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["security", "date", "source"],
                                    name="price_security_date_source_unique"),
        ]
        # Covering: the portfolio reads the latest closes from the index alone, no table lookups.
        indexes = [models.Index(fields=["security", "-date", "close", "source"],
                                name="price_security_latest_cov")]

    def __str__(self) -> str:
        return f"{self.security} {self.date} {self.close} ({self.source})"


class TransactionKind(models.TextChoices):
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"
    DIVIDEND = "dividend", "Dividend"
    FEE = "fee", "Fee"
    TRANSFER = "transfer", "Transfer"
    OTHER = "other", "Other"


class InvestmentTransaction(models.Model):
    """One piece of activity in an investment account.

    `amount` follows the app's convention: > 0 is cash out of the account (a
    buy, a fee), < 0 is cash in (a sale, a dividend). `external_id` is the
    source's own id (Plaid's investment_transaction_id, the OFX FITID), unique
    per account, so re-importing adds nothing.
    """

    account_id = models.IntegerField(db_index=True)
    security = models.ForeignKey("investments.Security", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="transactions")
    date = models.DateField()
    kind = models.CharField(max_length=10, choices=TransactionKind.choices)
    quantity = models.DecimalField(**QUANTITY, default=Decimal(0))
    price = models.DecimalField(**QUANTITY, null=True, blank=True)
    amount = models.DecimalField(**MONEY)
    fees = models.DecimalField(**MONEY, default=Decimal(0))
    description = models.CharField(max_length=255, blank=True, default="")
    external_id = models.CharField(max_length=100, blank=True, default="")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["account_id", "external_id"], condition=~Q(external_id=""),
                                    name="investment_txn_external_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.kind} {self.security or ''} {self.amount}"

    @property
    def quantity_text(self) -> str:
        return plain(self.quantity)

