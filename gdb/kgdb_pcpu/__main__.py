"""python3 -m kgdb_pcpu -N KERNEL -M CORE COMMAND (see kgdb_pcpu.cli)."""

import sys

from .cli import main

sys.exit(main())
