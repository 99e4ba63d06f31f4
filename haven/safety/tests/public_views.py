PUBLIC_VIEWS = {"haven.safety.views.portal_checkin"}  # guarded by the codename session
