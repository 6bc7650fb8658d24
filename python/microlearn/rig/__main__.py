"""python -m microlearn.rig {setup,run,count,targets} ... (see cli.py)."""

import sys

from .cli import main

sys.exit(main(sys.argv[1:], prog="python -m microlearn.rig"))
