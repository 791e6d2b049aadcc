"""Loaded kernel modules: where the kernel moved their set_pcpu and set_vnet.

kgdb loads a module's symbols at the module's image address, but the kernel
copied the module's set_pcpu into modspace (dpcpu_alloc) and its set_vnet
into the vnet data area (vnet_data_alloc) when it linked the module
(sys/kern/link_elf.c, link_elf_obj.c).  read() walks linker_files, the
TAILQ of every loaded linker file, and returns each module's sections as
(image start, image stop, kernel copy) triples; attach() hands them to the
core (kd.dpcpu_set_modules, kd.vnet_set_modules), which does the
relocation and its checks.

A linker file is a kobj: lf->ops->cls is its linker class, named "elf64"
(link_elf.c, DSO modules: struct elf_file has pcpu_start, pcpu_stop,
pcpu_base and vnet_start, vnet_stop, vnet_base) or "elf64_obj"
(link_elf_obj.c, object modules: the progtab entries named set_pcpu and
set_vnet have origaddr = the image address, addr = the copy, size).  Both
files define a different struct elf_file; the right one is the one visible
from the block of a function of the class (cls->methods[i].func).  GDB 13's
gdb.lookup_type("struct elf_file", block) ignores the block and returns the
first compilation unit's type, so the lookup goes through gdb.lookup_symbol
in the struct domain, which is scoped right.
"""

import re

import gdb

from . import target
from ._kvm import KvmError

# The linker classes of link_elf.c (DSO) and link_elf_obj.c (object), by
# the kernel's ELF class: "elf64"/"elf64_obj", or "elf32"/"elf32_obj".
DSO_CLASSES = ("elf64", "elf32")
OBJ_CLASSES = ("elf64_obj", "elf32_obj")
SETS = ("set_pcpu", "set_vnet")
# struct elf_file (link_elf.c) members of each set: start, stop, base.
_DSO_FIELDS = {"set_pcpu": ("pcpu_start", "pcpu_stop", "pcpu_base"),
               "set_vnet": ("vnet_start", "vnet_stop", "vnet_base")}
# The field a class's struct elf_file must have to be the right type.
_CLASS_FIELD = dict([(c, "pcpu_start") for c in DSO_CLASSES]
                    + [(c, "progtab") for c in OBJ_CLASSES])

_MAX_FILES = 100000         # a corrupt list must not loop forever
_MAX_METHODS = 512
_MAX_PROGTAB = 4096


class LinkerFile:
    """One entry of linker_files and its relocated sections."""

    def __init__(self, address, filename, cls):
        self.address = address      # the struct linker_file
        self.filename = filename    # lf->filename, e.g. "foo.ko"
        self.cls = cls              # the linker class name
        self.sets = {}              # "set_pcpu" -> (start, stop, base)

    def __repr__(self):
        return "LinkerFile(0x%x, %r, %r, %r)" % (self.address, self.filename,
                                                  self.cls, self.sets)


class Modules:
    """What read() found: the linker files and the problems it met."""

    def __init__(self):
        self.files = []
        self.problems = []          # one line per linker file not understood

    def relocs(self, set_name):
        """[(start, stop, base)] of every module that has set_name."""
        return [lf.sets[set_name] for lf in self.files if set_name in lf.sets]


def _string(value):
    if int(value) == 0:
        return None
    try:
        return value.string(length=-1)
    except (gdb.error, gdb.MemoryError, UnicodeDecodeError):
        return None


def _has_field(gtype, name):
    try:
        return any(f.name == name for f in gtype.strip_typedefs().fields())
    except (TypeError, gdb.error):
        return False


def _struct_in_block(block, tag):
    """struct tag as the compilation unit of block sees it, or None."""
    try:
        sym = gdb.lookup_symbol(tag, block, gdb.SYMBOL_STRUCT_DOMAIN)[0]
    except (gdb.error, RuntimeError, ValueError):
        return None
    if sym is None:
        return None
    return sym.type


def _class_functions(cls):
    """The method functions of a kobj class, first one first."""
    try:
        methods = cls["methods"]
    except gdb.error:
        return
    if int(methods) == 0:
        return
    for i in range(_MAX_METHODS):
        method = methods[i]
        func = int(method["func"])
        if func == 0 or int(method["desc"]) == 0:
            return
        yield func


_type_cache = {}


def _elf_file_type(cls, cls_name):
    """struct elf_file of the class's source file; KvmError if not found.

    The block of the class's first method (FreeBSD's sys/tools/gdb does the
    same), then of its other methods, then the global struct elf_file; a
    candidate must have the class's member, and sizeof(struct elf_file)
    must be the class's size (kobj_class.size) when that is known."""
    want = _CLASS_FIELD[cls_name]
    try:
        size = int(cls["size"])
    except gdb.error:
        size = None
    funcs = list(_class_functions(cls))
    key = (cls_name, funcs[0] if funcs else None, size)
    if key in _type_cache:
        return _type_cache[key]
    candidates = []
    for func in funcs:
        try:
            block = gdb.block_for_pc(func)
        except (gdb.error, RuntimeError):
            block = None
        if block is not None:
            candidates.append(_struct_in_block(block, "elf_file"))
        if candidates and candidates[-1] is not None and \
                _has_field(candidates[-1], want):
            break
    try:
        candidates.append(gdb.lookup_type("struct elf_file"))
    except gdb.error:
        pass
    fitting = [t for t in candidates if t is not None and _has_field(t, want)]
    sized = [t for t in fitting if size is None or t.sizeof == size]
    found = (sized or fitting or [None])[0]
    if found is None:
        raise KvmError("no struct elf_file with %s for linker class %s in the "
                       "debug info" % (want, cls_name))
    _type_cache[key] = found
    return found


def _dso_sets(ef):
    sets = {}
    for set_name, (start_f, stop_f, base_f) in _DSO_FIELDS.items():
        if not _has_field(ef.type, start_f):
            continue        # a kernel without VIMAGE has no vnet_start
        start = int(ef[start_f])
        if start == 0:
            continue        # the module has no such section
        sets[set_name] = (start, int(ef[stop_f]), int(ef[base_f]))
    return sets


def _obj_sets(ef, filename):
    sets = {}
    count = int(ef["nprogtab"])
    progtab = ef["progtab"]
    if count <= 0 or int(progtab) == 0:
        return sets
    if count > _MAX_PROGTAB:
        raise KvmError("nprogtab %d is corrupt" % count)
    entry_type = progtab.type.strip_typedefs().target()
    has_origaddr = _has_field(entry_type, "origaddr")
    for i in range(count):
        pe = progtab[i]
        name = _string(pe["name"])
        if name not in SETS:
            continue
        if not has_origaddr:
            raise KvmError("%s: the progtab entries have no origaddr (a "
                           "kernel before FreeBSD 13): cannot relocate its %s"
                           % (filename, name))
        start = int(pe["origaddr"])
        sets[name] = (start, start + int(pe["size"]), int(pe["addr"]))
    return sets


def _linker_files(head):
    seen = set()
    lf = head["tqh_first"]
    while int(lf) != 0:
        addr = int(lf)
        if addr in seen or len(seen) >= _MAX_FILES:
            raise KvmError("linker_files loops at 0x%x" % addr)
        seen.add(addr)
        yield lf
        lf = lf["link"]["tqe_next"]


def read():
    """The Modules of the kernel: empty when it has no linker_files."""
    mods = Modules()
    sym = target._lookup_symbol("linker_files")
    if sym is None or sym.needs_frame:
        return mods
    try:
        head = sym.value()
        for lf in _linker_files(head):
            addr = int(lf)
            filename = None
            try:
                filename = _string(lf["filename"]) or "0x%x" % addr
                cls = lf["ops"]["cls"].dereference()
                cls_name = _string(cls["name"])
                entry = LinkerFile(addr, filename, cls_name)
                if cls_name in DSO_CLASSES:
                    ef = lf.cast(_elf_file_type(cls, cls_name).pointer())
                    entry.sets = _dso_sets(ef.dereference())
                elif cls_name in OBJ_CLASSES:
                    ef = lf.cast(_elf_file_type(cls, cls_name).pointer())
                    entry.sets = _obj_sets(ef.dereference(), filename)
                else:
                    mods.problems.append("%s: unknown linker class %s"
                                         % (filename, cls_name))
                mods.files.append(entry)
            except (gdb.error, gdb.MemoryError, KvmError) as err:
                mods.problems.append("%s: %s" % (filename or "0x%x" % addr,
                                                 str(err).strip()))
    except (gdb.error, gdb.MemoryError, KvmError) as err:
        mods.problems.append("linker_files: %s" % str(err).strip())
    return mods


def attach(tgt):
    """Read the modules and give their sections to tgt's handle.

    Never raises: a kernel whose modules cannot be read still has its own
    per-CPU and VNET variables; the problems are kept for the messages."""
    try:
        mods = read()
    except Exception as err:  # noqa: BLE001  keep the handle usable
        mods = Modules()
        mods.problems.append("linker_files: %s" % err)
    tgt.modules = mods
    for set_name, setter in (("set_pcpu", tgt.kd.dpcpu_set_modules),
                             ("set_vnet", tgt.kd.vnet_set_modules)):
        try:
            setter(mods.relocs(set_name))
        except KvmError as err:
            mods.problems.append("%s: %s" % (set_name, err))
    return mods


def of(tgt):
    """The Modules attached to tgt, reading them on first use."""
    mods = getattr(tgt, "modules", None)
    if mods is None:
        mods = attach(tgt)
    return mods


# --- Which file a symbol comes from, for the messages. ----------------------

_INFO_SYMBOL = re.compile(r" in (?:load address range of )?(?:\S+ overlay )?"
                          r"section (\S+)(?: of (.+))?$")


def _main_filename():
    progspace = gdb.current_progspace()
    return progspace.filename if progspace is not None else None


def symbol_origin(name, addr):
    """(objfile file name, section name) of the symbol name at addr.

    Either may be None when GDB does not say.  The file is the objfile of
    the symbol's debug info, else the shared library (kgdb's modules are
    its solibs), else what "info symbol" says."""
    filename = None
    sym = target._lookup_symbol(name)
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


def outside_message(name, addr, set_name):
    """The message for a symbol the core placed outside every set_name, when
    it is a module's: its module is not in linker_files.  None otherwise."""
    filename, section = symbol_origin(name, addr)
    if filename is None:
        return None
    main = _main_filename()
    if main is not None and filename == main:
        return None
    if section is not None and section != set_name:
        return None
    text = ("%s: its module %s is not in linker_files (not loaded in this "
            "kernel): no per-%s copy" % (name, filename,
                                         "CPU" if set_name == "set_pcpu"
                                         else "vnet"))
    return text


def module_error(name, addr, set_name, err):
    """A gdb.GdbError for the core's KvmError err about the symbol name at
    addr when addr lies in a module that is not in linker_files, else None
    (the caller keeps the core's own message)."""
    if "is not a" not in str(err):
        return None
    better = outside_message(name, addr, set_name)
    return gdb.GdbError(better) if better is not None else None


def _modules_stale(*_args):
    """The kernel ran or memory was written: read linker_files again on the
    next use of the handle (target.current() does it)."""
    tgt = target._current
    if tgt is not None:
        tgt.modules = None


def _types_stale(*_args):
    _type_cache.clear()


def _connect():
    for name, handler in (("cont", _modules_stale),
                          ("memory_changed", _modules_stale),
                          ("new_objfile", _types_stale),
                          ("clear_objfiles", _types_stale)):
        registry = getattr(gdb.events, name, None)
        if registry is not None:
            registry.connect(handler)


_connect()
