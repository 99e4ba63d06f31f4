import os

from django.core.wsgi import get_wsgi_application

from haven.lib.private_data import start_private

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")
# Files the web processes write (SQLite, its WAL, stored files, admission locks) are for the
# haven user alone; gunicorn leaves the umask as it found it (haven/lib/private_data.py).
start_private()
application = get_wsgi_application()
