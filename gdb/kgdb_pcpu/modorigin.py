"""Which module a symbol comes from, for the messages about a module's
per-CPU or VNET variable that the core could not place.

A module's set_pcpu/set_vnet is placed through linker_files (modules.py);
when the core refuses an address (NotPerCpuError), the message says whether
the symbol's module is not loaded at all, or is loaded but its set could not
be placed, and why.
"""

import re

import gdb

from . import modules, symtab, target
from ._kvm import NotPerCpuError

_INFO_SYMBOL = re.compile(r" in (?:load address range of )?(?:\S+ overlay )?"
                          r"section (\S+)(?: of (.+))?$")


def symbol_origin(name, addr):
    """(objfile file name, section name) of the symbol name at addr.

    Either may be None when GDB does not say.  The file is the objfile of
    the symbol's debug info, else the shared library (kgdb's modules are
    its solibs), else what "info symbol" says."""
    filename = None
    sym = symtab.lookup_symbol(name)
    if sym is not None and sym.symtab is not None:
        try:
            filename = sym.symtab.objfile.filename
        except (AttributeError, gdb.error):
            filename = None
    section = None
    try:
        text = gdb.execute("info symbol 0x%x" % addr, to_string=True)
    except gdb.error:
        text = ""
    for line in text.splitlines():
        match = _INFO_SYMBOL.search(line.strip())
        if match:
            section = match.group(1)
            if filename is None and match.group(2):
                filename = match.group(2).strip()
            break
    if filename is None:
        try:
            filename = gdb.current_progspace().solib_name(addr)
        except (gdb.error, AttributeError, OverflowError):
            filename = None
    return filename, section


def _loaded_problem(mods, filename):
    """The problem met with the linker file whose name is filename's last
    component, or None when it is not in linker_files."""
    base = filename.rsplit("/", 1)[-1]
    names = {lf.filename for lf in mods.files}
    if base not in names and base.split(".debug")[0] not in names:
        return None
    for line in mods.problems:
        if line.startswith(base + ": ") or \
                line.startswith(base.split(".debug")[0] + ": "):
            return line
    return ""


def outside_message(name, addr, set_name):
    """The message for a symbol the core placed outside every set_name, when
    it is a module's: its module is not in linker_files, or is but its
    set could not be placed.  None otherwise."""
    filename, section = symbol_origin(name, addr)
    if filename is None:
        return None
    progspace = gdb.current_progspace()
    if progspace is not None and filename == progspace.filename:
        return None
    if section is not None and section != set_name:
        return None
    per = "CPU" if set_name == "set_pcpu" else "vnet"
    problem = _loaded_problem(modules.of(target.current()), filename)
    if problem is None:
        return ("%s: its module %s is not in linker_files (not loaded in "
                "this kernel): no per-%s copy" % (name, filename, per))
    return ("%s: its module %s is loaded, but where the kernel copied its "
            "%s is unknown%s" % (name, filename, set_name,
                                 ": " + problem if problem else ""))


def module_error(name, addr, set_name, err):
    """A gdb.GdbError for the core's NotPerCpuError err about the symbol
    name at addr when addr lies in a module, else None (the caller keeps
    the core's own message)."""
    if not isinstance(err, NotPerCpuError):
        return None
    better = outside_message(name, addr, set_name)
    return gdb.GdbError(better) if better is not None else None
