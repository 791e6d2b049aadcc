"""Load the GDB layer: settings, commands and convenience functions.

Each module registers what it defines when it is imported.  A module that
fails to load prints its error and the others still load.  Importing this
twice (sourcing kgdb-pcpu.py twice) does nothing the second time.
"""

import importlib

import gdb

MODULES = ("parameters", "cmd_pcpu", "cmd_dpcpu", "cmd_setcpu", "cmd_counter",
           "cmd_vnet", "cmd_overview", "fn_pcpu", "fn_dpcpu", "fn_counter",
           "fn_vnet")

loaded = []


def _load():
    for name in MODULES:
        try:
            importlib.import_module("kgdb_pcpu." + name)
            loaded.append(name)
        except Exception as err:  # keep the other modules usable
            gdb.write("kgdb-pcpu: cannot load %s: %s\n" % (name, err),
                      gdb.STDERR)


_load()
