"""Suite-wide settings: a headless matplotlib backend and a bounded, reproducible hypothesis profile."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

from hypothesis import HealthCheck, settings  # noqa: E402

# Deterministic example generation (same examples every run) and no per-example deadline: the
# machine is shared by two pytest workers, so wall-clock deadlines would make tests flaky.
settings.register_profile(
    "course",
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "course"))
