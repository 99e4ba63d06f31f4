PUBLIC_VIEWS = {  # guarded by the codename session
    "haven.safety.views.portal_checkin",
    "haven.safety.views.portal_panic",
    # A monitoring system has no staff session: the bearer token (HAVEN_HEALTHZ_TOKEN) and the
    # source networks (HAVEN_HEALTHZ_NETWORKS) guard it instead; without both it is a 404.
    "haven.safety.views_health.healthz",
}
