"""Demo data of the loyalty app (``seed``: session histories for the demo
companies), kept apart from production code."""
