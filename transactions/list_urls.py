"""The Transactions page, its row and bulk actions, CSV export, manual entry and the Trash.

Included from the project urls with `path("", include("transactions.list_urls"))`.
"""

from django.urls import path

from transactions import list_views

urlpatterns = [
    path("transactions/", list_views.transaction_list, name="transaction_list"),
    path("transactions/export.csv", list_views.transaction_export, name="transaction_export"),
    path("transactions/add", list_views.transaction_add, name="transaction_add"),
    path("transactions/bulk", list_views.transaction_bulk, name="transaction_bulk"),
    path("transactions/undo-delete", list_views.transaction_undo_delete, name="transaction_undo_delete"),
    path("transactions/<int:pk>/category", list_views.transaction_category, name="transaction_category"),
    path("transactions/<int:pk>/merchant", list_views.transaction_merchant, name="transaction_merchant"),
    path("transactions/<int:pk>/delete", list_views.transaction_delete, name="transaction_delete"),
    path("transactions/trash/", list_views.trash, name="trash"),
    path("transactions/trash/<int:pk>/restore", list_views.trash_restore, name="trash_restore"),
    path("transactions/trash/<int:pk>/purge", list_views.trash_purge, name="trash_purge"),
]
