from django.urls import path

from transactions import import_views, review_views

urlpatterns = [
    path("review/", review_views.review_page, name="review"),
    path("review/save", review_views.review_save, name="review_save"),
    path("review/undo", review_views.review_undo, name="review_undo"),
    path("review/accept-above", review_views.review_accept_above, name="review_accept_above"),
    path("review/<int:pk>/accept", review_views.review_accept, name="review_accept"),
    path("review/<int:pk>/category", review_views.review_category, name="review_category"),
    path("review/<int:pk>/delete", review_views.review_delete, name="review_delete"),
    path("review/<int:pk>/why", review_views.review_why, name="review_why"),
    path("review/<int:pk>/keep-both", review_views.review_keep_both, name="review_keep_both"),
    path("review/<int:pk>/not-transfer", review_views.review_not_transfer, name="review_not_transfer"),
    path("import/", import_views.import_page, name="import_page"),
    path("import/upload", import_views.import_upload, name="import_upload"),
    path("import/<str:token>/map", import_views.import_map, name="import_map"),
    path("import/<str:token>/accounts", import_views.import_choose_accounts,
         name="import_choose_accounts"),
    path("import/<str:token>/confirm", import_views.import_confirm, name="import_confirm"),
    path("import/<str:token>/progress", import_views.import_progress, name="import_progress"),
    path("import/batches/<int:pk>/revert", import_views.batch_revert, name="batch_revert"),
    path("import/batches/<int:pk>/restore", import_views.batch_restore, name="batch_restore"),
]
