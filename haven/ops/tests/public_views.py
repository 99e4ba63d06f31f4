PUBLIC_VIEWS = {
    # A monitoring system has no staff session: the bearer token (HAVEN_HEALTHZ_TOKEN) and the
    # source networks (HAVEN_HEALTHZ_NETWORKS) guard it instead; without both it is a 404.
    "haven.ops.views.healthz",
}
