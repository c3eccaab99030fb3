from django.urls import path

from people import views

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<int:pk>/active", views.person_active, name="person_active"),
]
