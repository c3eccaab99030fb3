"""WSGI entry point (waitress serves it through `manage.py serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "budgetsite.settings")
application = get_wsgi_application()
