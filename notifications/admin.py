from django.contrib import admin

from budgetsite.admin_mixins import ReadOnlyAdminMixin
from notifications.models import NotificationLog


@admin.register(NotificationLog)
class NotificationLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("queued_at", "sent_at", "transaction", "email_message_id", "line", "state",
                    "replied_at", "reply_category")
    list_filter = ("sent_at", "replied_at")
    search_fields = ("email_message_id", "reply_category", "reply_note")
    raw_id_fields = ("transaction",)
