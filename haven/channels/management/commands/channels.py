"""`haven channels`: list the channels, add one, check their health, send a test message.

    haven channels list
    haven channels add KIND NAME --set base_url=http://... --secret token=...
    haven channels set NAME --set device_id=... --secret access_token=...   (change some)
    haven channels health [NAME]
    haven channels test NAME HANDLE      (queues a test message; `haven gateway` sends it)

Output is English. No handle is printed back, no secret is ever shown after it is saved."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext_noop

from haven.channels import adapters, delivery, problems
from haven.channels.ingest import adapter_for, create_channel, queue_test, update_channel
from haven.channels.models import Channel, Reply


def _pairs(values: list[str]) -> dict[str, str]:
    found = {}
    for value in values:
        if "=" not in value:
            raise CommandError(f"expected NAME=VALUE, got {value.split('=')[0]!r}")
        name, _, rest = value.partition("=")
        found[name.strip()] = rest
    return found


class Command(BaseCommand):
    help = "List, add, check and test the channels people write through."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("list", help="every channel, its kind and its queue")
        add = sub.add_parser("add", help="add a channel")
        add.add_argument("kind")
        add.add_argument("name")
        add.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
        add.add_argument("--secret", action="append", default=[], metavar="NAME=VALUE")
        change = sub.add_parser("set", help="change some of a channel's settings or secrets")
        change.add_argument("name")
        change.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
        change.add_argument("--secret", action="append", default=[], metavar="NAME=VALUE")
        health = sub.add_parser("health", help="ask each provider whether the channel works")
        health.add_argument("name", nargs="?")
        test = sub.add_parser("test", help="send a test message to a handle you give")
        test.add_argument("name")
        test.add_argument("handle")
        test.add_argument("--text", default="Haven test message: this channel works.")
        test.add_argument("--now", action="store_true", help="send at once, not via the gateway")

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        if verb == "list":
            self._list()
        elif verb == "add":
            self._add(options)
        elif verb == "set":
            self._set(options)
        elif verb == "health":
            self._health(options.get("name"))
        elif verb == "test":
            self._test(options)

    def _list(self) -> None:
        errors = adapters.load_errors()
        self.stdout.write("kinds available: " + ", ".join(adapters.kinds()))
        for module, error in errors.items():
            self.stdout.write(f"  could not load {module}: {error}")
        for channel in Channel.objects.order_by("name"):
            queued = channel.replies.filter(status=Reply.Status.QUEUED).count()
            failed = channel.replies.filter(status=Reply.Status.FAILED).count()
            state = "on" if channel.enabled else "off"
            self.stdout.write(
                f"{channel.name:20} {channel.kind:9} {state:4} senders: {channel.senders.count()}"
                f"  replies queued: {queued}  failed: {failed}"
            )
            if channel.last_error:
                # Adapters' errors name no handle, token or text (adapters.ChannelError).
                self.stdout.write(f"  last error: {problems.english(channel.last_error)}")

    def _add(self, options: dict[str, Any]) -> None:
        if options["kind"] not in adapters.kinds():
            raise CommandError(f"unknown kind; choose from {', '.join(adapters.kinds())}")
        if Channel.objects.filter(name=options["name"]).exists():
            raise CommandError("a channel with that name exists")
        channel = create_channel(
            kind=options["kind"],
            name=options["name"],
            config=_pairs(options["set"]),
            secrets=_pairs(options["secret"]),
        )
        self.stdout.write(f"channel {channel.name} added ({channel.pk})")
        if adapters.adapter_class(channel.kind).mode == "webhook":
            self.stdout.write(f"its webhook path: /channels/hook/{channel.pk}/")

    def _set(self, options: dict[str, Any]) -> None:
        channel = Channel.objects.filter(name=options["name"]).first()
        if channel is None:
            raise CommandError("no channel of that name")
        config, secrets = _pairs(options["set"]), _pairs(options["secret"])
        fields = adapters.adapter_class(channel.kind).config_fields
        for name in [*config, *secrets]:
            if name not in fields:
                raise CommandError(f"{channel.kind} has no setting {name!r}")
        update_channel(channel=channel, config=config, secrets=secrets)
        self.stdout.write(f"channel {channel.name} changed: {', '.join([*config, *secrets])}")

    def _health(self, name: str | None) -> None:
        channels = Channel.objects.order_by("name")
        if name:
            channels = channels.filter(name=name)
        bad = 0
        for channel in channels:
            adapter = adapter_for(channel)
            try:
                health = adapter.health()
            finally:
                adapter.close()
            now = timezone.now()
            if health.ok:
                Channel.objects.filter(pk=channel.pk).update(last_ok_at=now)
            else:
                bad += 1
                Channel.objects.filter(pk=channel.pk).update(
                    last_error=problems.record(
                        gettext_noop("health check: %(reason)s"), reason=health.problem
                    ),
                    last_error_at=now,
                )
            failed = channel.replies.filter(status=Reply.Status.FAILED).count()
            verdict = "ok" if health.ok else "FAILING"
            self.stdout.write(
                f"{channel.name:20} {verdict:8} {health.detail}  failed replies: {failed}"
            )
        if bad:
            raise CommandError(f"{bad} channel(s) failing")

    def _test(self, options: dict[str, Any]) -> None:
        channel = Channel.objects.filter(name=options["name"]).first()
        if channel is None:
            raise CommandError("no such channel")
        reply = queue_test(channel=channel, to=options["handle"], text=options["text"])
        if not options["now"]:
            self.stdout.write("test message queued; `haven gateway` sends it")
            return
        reply = Reply.objects.select_related("channel").get(pk=reply.pk)
        if delivery.send_reply(reply, now=timezone.now()):
            self.stdout.write("test message sent")
        else:
            raise CommandError(f"test message not sent: {problems.english(reply.last_error)}")
