from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "haven.channels"
    label = "channels"
    verbose_name = _("Channels")
    demo_loader = "haven.channels.demo.load"
    hooks = {
        "request_replied": ["haven.channels.ingest.on_request_replied"],
        "request_channel_status": ["haven.channels.ingest.channel_status"],
    }
