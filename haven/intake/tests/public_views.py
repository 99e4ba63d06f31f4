# The portal's views are public by design: people at risk have no account.
PUBLIC_VIEWS = {
    "haven.intake.views_portal.home",
    "haven.intake.views_portal.ask_for_help",
    "haven.intake.views_portal.enter",
    "haven.intake.views_portal.inbox",  # guarded by the codename session instead
    "haven.intake.views_portal.write",  # guarded by the codename session instead
    "haven.intake.views_portal.leave",
    "haven.intake.views_portal.quick_exit",
}
