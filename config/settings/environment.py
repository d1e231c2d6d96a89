"""Reading the environment: django-environ's typed getters, except that a
boolean refuses what it does not understand.

django-environ reads any word outside its list of true words as ``False``,
so ``SECURE_SSL_REDIRECT=ture`` would quietly turn HTTPS redirects off.
Here a malformed boolean stops start-up instead, like healthchecks'
``envbool`` (hc/settings.py).
"""

from __future__ import annotations

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})


def parse_bool(name: str, raw: str) -> bool:
    """``raw``, the value of the variable ``name``, as a boolean.

    Accepts true/false, 1/0, yes/no and on/off in any case, with spaces
    around. Anything else (a typo, an empty value) raises
    ``ImproperlyConfigured`` naming the variable and the value.
    """
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use true or false (also 1/0, yes/no, on/off)."
    )


# django-environ ships no type information: its Env is Any to mypy.
class Env(environ.Env):  # type: ignore[misc]
    """django-environ's ``Env`` whose ``bool()`` is strict (``parse_bool``)."""

    def bool(self, var: str, default: bool | environ.NoValue = environ.Env.NOTSET) -> bool:
        """The variable ``var`` as a boolean, ``default`` when it is not set;
        ``ImproperlyConfigured`` when it is set to something else than a
        boolean, or not set and without a default."""
        value = self.get_value(var, cast=str, default=default)
        if isinstance(value, bool):  # not set: the default, as given
            return value
        return parse_bool(var, str(value))
