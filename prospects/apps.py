from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProspectsConfig(AppConfig):
    name = "prospects"
    verbose_name = _("Prospects")

    def ready(self) -> None:
        from directory.companies.signals import (
            application_moved,
            application_started,
            invoice_registered,
        )
        from directory.quotes.signals import quote_request_received

        from . import receivers

        quote_request_received.connect(
            receivers.on_quote_request_received, dispatch_uid="prospects-quote-request-received"
        )
        application_moved.connect(
            receivers.on_application_moved, dispatch_uid="prospects-application-moved"
        )
        application_started.connect(
            receivers.on_application_started, dispatch_uid="prospects-application-started"
        )
        invoice_registered.connect(
            receivers.on_invoice_registered, dispatch_uid="prospects-invoice-registered"
        )
