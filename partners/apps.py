from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        # drf-spectacular finds the API-key scheme by its registration.
        from . import checks  # noqa: F401
        from .api import schema  # noqa: F401
