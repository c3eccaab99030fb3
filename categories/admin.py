"""Admin for categories, and for the rules and mappings people maintain by hand."""

from django.contrib import admin

from categories.models import AmountRule, Category, MerchantMapping


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("display_name", "short_desc", "parent", "color", "is_income", "is_recurring")
    list_filter = ("is_income", "is_recurring", ("parent", admin.RelatedOnlyFieldListFilter))
    search_fields = ("display_name", "short_desc", "parent__display_name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    ordering = ("parent__display_name", "display_name")


@admin.register(MerchantMapping)
class MerchantMappingAdmin(admin.ModelAdmin):
    """Mappings with their evidence: confirmations, overrides, last confirmed."""

    list_display = (
        "merchant_pattern", "category", "confidence", "overrides", "last_confirmed_at", "created_at"
    )
    list_editable = ("category", "confidence")
    list_filter = (("category", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("merchant_pattern", "category__display_name")
    list_select_related = ("category", "category__parent")
    autocomplete_fields = ("category",)
    readonly_fields = ("created_at", "last_confirmed_at")


@admin.register(AmountRule)
class AmountRuleAdmin(admin.ModelAdmin):
    list_display = ("description_pattern", "amount", "tolerance", "short_desc", "category", "notes")
    list_editable = ("amount", "tolerance", "category")
    list_filter = (("category", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("description_pattern", "short_desc", "notes")
    list_select_related = ("category", "category__parent")
    autocomplete_fields = ("category",)
