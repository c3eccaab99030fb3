from django.contrib import admin

from investments.models import Holding, InvestmentTransaction, Price, Security


@admin.register(Security)
class SecurityAdmin(admin.ModelAdmin):
    list_display = ("ticker", "name", "security_type", "currency", "cusip", "isin")
    search_fields = ("ticker", "name", "cusip", "isin")
    list_filter = ("security_type",)


@admin.register(Holding)
class HoldingAdmin(admin.ModelAdmin):
    list_display = ("account_id", "security", "quantity", "cost_basis", "as_of", "source")
    list_filter = ("source",)


@admin.register(Price)
class PriceAdmin(admin.ModelAdmin):
    list_display = ("security", "date", "close", "source")
    list_filter = ("source",)
    date_hierarchy = "date"


@admin.register(InvestmentTransaction)
class InvestmentTransactionAdmin(admin.ModelAdmin):
    list_display = ("date", "account_id", "kind", "security", "quantity", "amount", "source")
    list_filter = ("kind", "source")
