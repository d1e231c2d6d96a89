"""Gunicorn's settings, read from the working directory (``/app`` in the
image) by default. Access log lines go to stdout with every bearer token
of a path, query string or referrer masked (``common.log_filters``): a
review link in a log is a review someone else can write."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from common.log_filters import mask_tokens


class TokenMaskingLogger(Logger):  # type: ignore[misc]
    """Gunicorn's logger, whose access-log atoms (request line, path,
    query string, headers such as the referrer) have tokens masked."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: mask_tokens(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }


logger_class = TokenMaskingLogger
accesslog = "-"
