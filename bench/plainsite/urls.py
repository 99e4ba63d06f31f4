from django.urls import path

from plainsite import views

urlpatterns = [path("write/", views.write)]
