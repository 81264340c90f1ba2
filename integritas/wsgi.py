import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integritas.settings")
application = get_wsgi_application()

# A wrong or missing master key stops the app here, not at the first report it cannot open.
from integritas.vault.keys import key_check_on_start  # noqa: E402

key_check_on_start()

from integritas.warmup import warm_up  # noqa: E402

warm_up()
