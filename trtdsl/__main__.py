"""``python -m trtdsl``: the command line."""

import sys

from trtdsl.cli import main

if __name__ == "__main__":
    sys.exit(main())
