PUBLIC_VIEWS = {  # guarded by the codename session
    "haven.safety.views.portal_checkin",
    "haven.safety.views.portal_panic",
}
