from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self) -> None:
        # Loyalty scores and baselines shape the public pages kept for
        # visitors (common.page_cache); sessions are private (a score they
        # move is saved itself, or by the night, which draws a new version).
        from common.page_cache import watch

        from .models import ServiceSession, SessionStrike

        watch(self, private=(ServiceSession, SessionStrike))
