# A partner's Haven delivers packages here: no session, authenticated by the package's signature
# against the directory (haven/partners/actions.receive_package).
PUBLIC_VIEWS = {
    "haven.partners.views.inbox",
}
