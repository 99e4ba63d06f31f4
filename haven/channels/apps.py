from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "haven.channels"
    label = "channels"
    verbose_name = _("Channels")
    demo_loader = "haven.channels.demo.load"
    demo_services = ["haven.channels.delivery.start_in_thread"]

    @property
    def staff_nav(self) -> list:
        from haven.accounts.models import Role
        from haven.core.registry import NavItem

        return [NavItem("channels-list", _("Channels"), roles=(Role.COORDINATOR, Role.ADMIN))]

    hooks = {
        "request_replied": ["haven.channels.ingest.on_request_replied"],
        "request_channel_status": ["haven.channels.ingest.channel_status"],
        "case_channel_handles": ["haven.channels.views_handles.case_channel_handles"],
    }
