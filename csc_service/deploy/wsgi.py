import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csc_service.deploy.settings")
application = get_wsgi_application()
