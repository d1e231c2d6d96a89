from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_staff_groups(sender, **kwargs) -> None:
    from directory.accounts.services import staff_groups_ensure

    staff_groups_ensure()


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Directory")

    def ready(self) -> None:
        # Groups reference permissions of several apps, created app by app
        # after migrate: refresh after each (idempotent, a few queries).
        post_migrate.connect(_ensure_staff_groups, dispatch_uid="directory-staff-groups")
