"""Admin for accounts (never showing an access token) and the read-only sync log."""

from django.contrib import admin

from accounts.models import Account, SyncLog
from budgetsite.admin_mixins import ReadOnlyAdminMixin


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = (
        "name", "institution", "account_type", "mask", "plaid_connection_status",
        "balance_current", "last_synced_at",
    )
    list_filter = ("account_type", "institution", "plaid_connection_status")
    search_fields = ("name", "institution", "mask")
    # The access token and cursor are never shown, not even read-only.
    exclude = ("plaid_access_token", "plaid_cursor")
    readonly_fields = (
        "plaid_item_id", "plaid_account_id", "last_synced_at", "last_sync_error",
        "balance_updated_at", "created_at",
    )


@admin.register(SyncLog)
class SyncLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "started_at", "account", "trigger", "status", "added", "modified", "removed",
        "duration_seconds",
    )
    list_filter = ("status", "trigger", "account")
    list_select_related = ("account",)
    date_hierarchy = "started_at"
