from django.urls import path

from haven.accounts import views

# Burning an account (accounts-burn, accounts-burn-requests, accounts-burn-decide) is written on
# the two-person approval engine, so its views and URLs live in haven.cases (views_approvals).

urlpatterns = [
    path("login/", views.login_view, name="accounts-login"),
    path("logout/", views.logout_view, name="accounts-logout"),
    path("account/password/", views.password_change_view, name="accounts-password"),
    path("account/duress/", views.duress_view, name="accounts-duress"),
    path("accounts/", views.account_list, name="accounts-list"),
    path("accounts/new/", views.account_create, name="accounts-create"),
    path("accounts/<int:user_id>/", views.account_detail, name="accounts-detail"),
    path("accounts/<int:user_id>/roles/", views.account_roles, name="accounts-roles"),
    path("accounts/<int:user_id>/reset/", views.account_reset, name="accounts-reset"),
    path("accounts/<int:user_id>/suspend/", views.account_suspend, name="accounts-suspend"),
    path("accounts/<int:user_id>/unsuspend/", views.account_unsuspend, name="accounts-unsuspend"),
]
