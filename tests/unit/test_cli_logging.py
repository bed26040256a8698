"""The CLI's logging: a library that sets its own logger to DEBUG prints nothing unless ``--verbose``."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import logging, sys
from medcite.cli import main
main(sys.argv[1:])
noisy = logging.getLogger("noisy_library")
noisy.setLevel(logging.DEBUG)
noisy.debug("debug line")
noisy.warning("warning line")
"""


def _stderr(*argv: str) -> str:
    done = subprocess.run([sys.executable, "-c", SCRIPT, *argv], capture_output=True, text=True, timeout=120)
    return done.stderr


def test_library_debug_lines_stay_quiet_and_warnings_show() -> None:
    err = _stderr()
    assert "debug line" not in err
    assert "WARNING noisy_library: warning line" in err


def test_verbose_still_hides_library_debug_lines() -> None:
    err = _stderr("--verbose")
    assert "debug line" not in err and "warning line" in err
