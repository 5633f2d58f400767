"""``python -m scalekit_auth`` and the ``scalekit-auth`` script: the project's command line
(``check-env``, ``test-connection``, ``doctor``, ``login``), the same Rust code as the
``scalekit-auth`` binary.

Run ``python -m scalekit_auth doctor`` in the app's directory: it reads the ``SCALEKIT_*``
variables from the environment and ``.env``, and says what to fix.
"""

from __future__ import annotations

import signal
import sys

from ._native import _cli


def main() -> None:
    """Runs the command line of ``sys.argv`` and exits with its status."""
    # Ctrl-C ends the command at once, as it does the binary: the waiting happens in
    # Rust, where Python's own handler would only run once it returned.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.stdout.flush()
    raise SystemExit(_cli(sys.argv[1:]))


if __name__ == "__main__":
    main()
