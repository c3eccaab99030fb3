from django.contrib import admin

from budgetsite.admin_mixins import ReadOnlyAdminMixin
from notifications.models import NotificationLog


@admin.register(NotificationLog)
class NotificationLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("sent_at", "transaction", "email_message_id", "replied_at", "reply_category")
    raw_id_fields = ("transaction",)
