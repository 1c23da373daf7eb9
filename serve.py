#!/usr/bin/env python3
"""Development server: the demo site, its CDN mirror, the token endpoint and the
sandbox widget platform. ``python serve.py --help`` lists the options."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from devserver.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
