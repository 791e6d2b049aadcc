"""python3 -m kgdb_pcpu -N KERNEL -M CORE COMMAND: kgdb-pcpu(1) without the
installed command (see kgdb_pcpu.cli)."""

import sys

from .cli import main

sys.exit(main())
