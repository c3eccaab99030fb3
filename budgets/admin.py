from django.contrib import admin

from budgets.models import Budget


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ("month", "category", "amount")
    list_editable = ("amount",)
    list_filter = ("month",)
    search_fields = ("category__display_name", "month")
    autocomplete_fields = ("category",)
    list_select_related = ("category", "category__parent")
