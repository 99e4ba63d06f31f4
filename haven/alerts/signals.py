"""Sent inside the transaction that queues notifications, so delivery rows commit with them."""

from django.dispatch import Signal

notifications_created = Signal()  # kwargs: notifications (list of Notification)
