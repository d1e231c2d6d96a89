from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        # The published reviews, their replies and sanctions shape the public
        # pages kept for visitors (common.page_cache); invoices, invitations,
        # requests and the ledger are private (a review they lead to is saved
        # itself).
        from common.page_cache import watch

        from .models import (
            InvitationRuleChange,
            Invoice,
            ReviewInvitation,
            ReviewLogEntry,
            ReviewRequest,
        )

        watch(
            self,
            private=(
                Invoice,
                ReviewInvitation,
                ReviewRequest,
                ReviewLogEntry,
                InvitationRuleChange,
            ),
        )
