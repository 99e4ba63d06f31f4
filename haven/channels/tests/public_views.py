# Providers' webhooks: no staff account, authenticated by each channel's secret or signature.
PUBLIC_VIEWS = {"haven.channels.views.webhook"}
