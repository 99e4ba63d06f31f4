"""WSGI entry of the plain baseline site (bench only)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plain_site.settings")
application = get_wsgi_application()
