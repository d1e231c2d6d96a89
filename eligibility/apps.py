from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EligibilityConfig(AppConfig):
    name = "eligibility"
    verbose_name = _("Eligibility")

    def ready(self) -> None:
        # The vetting checks (decisions, evidence, due dates) and company
        # events shape the public pages kept for visitors (common.page_cache);
        # applications, reminders, flags and screenings are private (a
        # company they list or delist is saved itself).
        from common.page_cache import watch

        from .models import (
            Application,
            ApplicationEvent,
            CheckReminder,
            CompanyScreening,
            EligibilityFlag,
        )

        watch(
            self,
            private=(
                Application,
                ApplicationEvent,
                CheckReminder,
                CompanyScreening,
                EligibilityFlag,
            ),
        )
