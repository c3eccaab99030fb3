"""Admin for the ledger; deleted transactions are history and stay read-only."""

from django.contrib import admin
from django.utils import timezone

from budgetsite.admin_mixins import ReadOnlyAdminMixin
from transactions.deletion import delete_transactions
from transactions.models import DeletedTransaction, ImportBatch, ImportProfile, Transaction


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    list_display = (
        "date", "account", "description", "amount", "category", "predicted_category", "status",
        "source", "categorization_tier", "prediction_confidence",
    )
    list_filter = ("status", "source", "categorization_tier", "account", "is_pending")
    search_fields = ("description", "merchant_name", "merchant_key")
    list_select_related = ("account", "category", "predicted_category")
    autocomplete_fields = ("category", "predicted_category")
    raw_id_fields = ("possible_duplicate_of", "import_batch")
    readonly_fields = (
        "created_at", "confirmed_at", "confirmed_by", "updated_at", "updated_by", "fingerprint",
    )
    date_hierarchy = "date"
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        """A change made here is recorded as that person's edit, as on the Transactions page."""
        if change:
            obj.updated_at, obj.updated_by = timezone.now(), request.user
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        """Deleting here moves the row to the Trash too, recording who deleted it."""
        delete_transactions([obj], user=request.user)

    def delete_queryset(self, request, queryset):
        delete_transactions(list(queryset), user=request.user)


@admin.register(DeletedTransaction)
class DeletedTransactionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("deleted_at", "deleted_by", "date", "account_name", "description", "amount", "reason")
    list_filter = ("reason", "source")
    search_fields = ("description", "merchant_name")
    exclude = ("snapshot",)


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at", "file_name", "account", "added", "duplicates", "possible_duplicates",
        "deleted_skipped", "auto_confirmed", "reverted_at",
    )
    list_filter = ("source", "account")


@admin.register(ImportProfile)
class ImportProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at", "last_used_at")
    search_fields = ("name",)
