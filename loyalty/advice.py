"""What would lift a company's loyalty score (issue 13 § 3, the pro
space's "ce qui ferait monter votre score"): pure arithmetic on the
figures of :mod:`loyalty.score`.

A company is *above the average* when its score is above 50, that is
when its smoothed rate ``(r + m·k) / (n + k)`` is above the baseline
``m`` (``loyalty.score`` § 7). With ``k > 0`` that holds exactly when the
raw rate ``r / n`` is above ``m`` (subtract ``m`` from both sides:
``(r − m·n) / (n + k) > 0``), whatever the prior strength. So the
advice needs only ``n`` (new clients observed), ``r`` (those who
returned) and ``m``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Tolerance on ``m·n``: the baseline is a float (0.3 · 10 is
# 3.0000000000000004), so 3 returns of 10 at 30 % read as the average, not
# below it.
EPSILON = 1e-9


@dataclass(frozen=True)
class Advice:
    """``more_returns`` more of the ``new_clients`` observed having come
    back would put the company above its trade's average (0 when it is
    already above)."""

    new_clients: int
    returned: int
    more_returns: int

    @property
    def above(self) -> bool:
        return self.more_returns == 0


def returns_to_pass_average(*, new_clients: int, returned: int, baseline: float) -> Advice:
    """The fewest more returns among the ``new_clients`` observed (of whom
    ``returned`` came back) for a raw rate strictly above ``baseline``
    (a rate in (0, 1)): ``⌊m·n⌋ + 1 − r`` when ``r ≤ m·n``, else 0. Always
    reachable (``m < 1``: at most ``n − r``). Raises ``ValueError`` for
    no observed client, ``returned`` outside ``0 … new_clients`` or a
    baseline outside (0, 1)."""
    if new_clients <= 0:
        raise ValueError("No new client observed: nothing to advise.")
    if not 0 <= returned <= new_clients:
        raise ValueError("Returned clients must be between 0 and the new clients.")
    if not 0.0 < baseline < 1.0:
        raise ValueError("The baseline is a rate strictly between 0 and 1.")
    threshold = baseline * new_clients
    needed = math.floor(threshold + EPSILON) + 1  # the fewest returns r' with r' > m·n
    return Advice(
        new_clients=new_clients,
        returned=returned,
        more_returns=max(0, min(needed, new_clients) - returned),
    )
