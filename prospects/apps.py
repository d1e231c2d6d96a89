from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProspectsConfig(AppConfig):
    name = "prospects"
    verbose_name = _("Prospects")

    def ready(self) -> None:
        from directory.quotes.signals import quote_request_received

        from .receivers import on_quote_request_received

        quote_request_received.connect(
            on_quote_request_received, dispatch_uid="prospects-quote-request-received"
        )
