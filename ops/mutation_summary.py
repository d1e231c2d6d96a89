"""Print what the mutation pass (``make mutation``, mutmut 3) found: per
module, how many mutants were killed, survived, had no test or timed out,
then the name of every mutant that is not killed (``mutmut show NAME``
prints its change).

Usage: ``python ops/mutation_summary.py GLOB...``, the globs naming the
mutants in scope (``reviews.services.sanctions.x_*``); reads the results
mutmut left in ``mutants/``. Exit status 0 (a report, not a gate).
"""

from __future__ import annotations

import fnmatch
import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

COLUMNS = ("killed", "survived", "no tests", "timeout", "not checked")


def main(globs: list[str]) -> None:
    counts: dict[str, Counter[str]] = {}
    remaining: list[tuple[str, str]] = []
    for meta in sorted(Path("mutants").rglob("*.py.meta")):
        module = str(meta.relative_to("mutants")).removesuffix(".py.meta").replace("/", ".")
        for name, exit_code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if globs and not any(fnmatch.fnmatch(name, pattern) for pattern in globs):
                continue
            status = status_by_exit_code[exit_code]
            counts.setdefault(module, Counter())[status] += 1
            if status != "killed":
                remaining.append((name, status))
    if not counts:
        print('No mutation results: run "make mutation" first.')
        return
    width = max(len(module) for module in counts)
    print(f"{'module':{width}}  " + "  ".join(f"{c:>11}" for c in COLUMNS) + "        all")
    total: Counter[str] = Counter()
    for module, counter in counts.items():
        total.update(counter)
        print(
            f"{module:{width}}  "
            + "  ".join(f"{counter[c]:>11}" for c in COLUMNS)
            + f"  {sum(counter.values()):>9}"
        )
    print(
        f"{'total':{width}}  "
        + "  ".join(f"{total[c]:>11}" for c in COLUMNS)
        + f"  {sum(total.values()):>9}"
    )
    if remaining:
        print("\nNot killed:")
        for name, status in sorted(remaining):
            print(f"  {status:<11} {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
