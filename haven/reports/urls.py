from django.urls import path

from haven.reports import views

urlpatterns = [
    path("reports/", views.statistics, name="reports-statistics"),
    path("reports/summary/", views.public_summary, name="reports-summary"),
    path("reports/<slug:name>.<str:fmt>", views.download, name="reports-download"),
]
