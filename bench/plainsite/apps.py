from django.apps import AppConfig


class PlainConfig(AppConfig):
    name = "plainsite"
