from django.apps import AppConfig
from django.db import transaction
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def _ensure_staff_groups(sender, **kwargs) -> None:
    from directory.accounts.services import staff_groups_ensure

    staff_groups_ensure()


def _taxonomy_changed(sender, **kwargs) -> None:
    from directory.taxonomy.services import taxonomy_changed

    transaction.on_commit(taxonomy_changed)


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Directory")

    def ready(self) -> None:
        # Groups reference permissions of several apps, created app by app
        # after migrate: refresh after each (idempotent, a few queries).
        post_migrate.connect(_ensure_staff_groups, dispatch_uid="directory-staff-groups")
        # A sector or trade saved or deleted anywhere (admin, shell, a
        # migration's data step): the fragments built from them are stale.
        # ``taxonomy_load``'s bulk writes send no signal and call it itself;
        # the hourly company counts (an UPDATE) change no fragment.
        from directory.search.names import name_similarity_threshold_set

        connection_created.connect(
            name_similarity_threshold_set, dispatch_uid="directory-name-similarity"
        )
        from directory.taxonomy.models import Profession, Sector

        for model in (Sector, Profession):
            for signal, event in ((post_save, "saved"), (post_delete, "deleted")):
                signal.connect(
                    _taxonomy_changed,
                    sender=model,
                    dispatch_uid=f"directory-taxonomy-{model.__name__}-{event}",
                )
        # The rows the public pages show (a company, its trades, photos,
        # certifications, the places): a write draws a new version of the
        # pages kept for visitors (common.page_cache). Staff, invitations and
        # quotes are private.
        from common.page_cache import watch
        from directory.quotes.models import QuoteReply, QuoteRequest
        from directory.team.models import Invitation, Membership

        watch(self, private=(Membership, Invitation, QuoteRequest, QuoteReply))
