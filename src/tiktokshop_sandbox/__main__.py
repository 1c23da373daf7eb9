"""``python -m tiktokshop_sandbox``: the sandbox alone (see ``cli``; ``--help``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
