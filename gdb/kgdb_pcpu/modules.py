"""Loaded kernel modules: where the kernel moved their set_pcpu and set_vnet.

kgdb loads a module's symbols at the module's image address, but the kernel
copied the module's set_pcpu into modspace (dpcpu_alloc) and its set_vnet
into the vnet data area (vnet_data_alloc) when it linked the module
(sys/kern/link_elf.c, link_elf_obj.c; docs/FREEBSD.md).  read() walks
linker_files, the TAILQ of every loaded linker file, and finds each
module's sections as (image start, image stop, kernel copy) triples;
attach() hands them to the core (kd.dpcpu_set_modules, kd.vnet_set_modules),
which does the relocation and its checks.  The reads go through the core
(walk_list, read_fields, read_pointers); GDB gives the types.

A linker file is a kobj: lf->ops->cls is its linker class, named "elf64"
(link_elf.c, DSO modules: struct elf_file has pcpu_start, pcpu_stop,
pcpu_base and vnet_start, vnet_stop, vnet_base) or "elf64_obj"
(link_elf_obj.c, object modules: the progtab entries named set_pcpu and
set_vnet have addr = the copy and size).  Both files define a different
struct elf_file; the right one is the one visible from the block of a
function of the class (cls->methods[i].func).  GDB 13's
gdb.lookup_type("struct elf_file", block) ignores the block and returns the
first compilation unit's type, so the lookup goes through gdb.lookup_symbol
in the struct domain, which is scoped right.

The image address of an object module's section: FreeBSD 15 records it in
the progtab entry (origaddr, "Used by debuggers").  13.x and 14.x do not;
there it is where kgdb placed the section when it loaded the module's
symbols (fbsd-kld.c lays a .ko's allocated sections out one after another
from the module's base, as link_elf_obj reserves them in its mapping),
which GDB shows as that section's address in its section table.
"""

import re

import gdb

from . import gtypes, symtab, target
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
_MAX_NAME = 1024            # MAXPATHLEN: a linker file's name


class LinkerFile:
    """One entry of linker_files and its relocated sections."""

    def __init__(self, address, filename, cls, image):
        self.address = address      # the struct linker_file
        self.filename = filename    # lf->filename, e.g. "foo.ko"
        self.cls = cls              # the linker class name
        self.image = image          # (lf->address, lf->size)
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


class _Layout:
    """Offsets and sizes, from the debug info, of what read() reads."""

    def __init__(self, lf_type, pointer_size):
        fields = gtypes.flatten_fields(lf_type)
        link = _field_type(lf_type, "link")
        self.next = fields["link"] + gtypes.flatten_fields(link)["tqe_next"]
        ops = _field_type(lf_type, "ops").strip_typedefs().target()
        cls = _field_type(ops, "cls").strip_typedefs().target()
        method = _field_type(cls, "methods").strip_typedefs().target()
        self.ops_cls = gtypes.flatten_fields(ops)["cls"]
        ptr = pointer_size
        self.file = [(fields["filename"], ptr, "u"), (fields["ops"], ptr, "u"),
                     (fields["address"], ptr, "u"),
                     (fields["size"], _field_type(lf_type, "size").sizeof, "u")]
        cls_fields = gtypes.flatten_fields(cls)
        self.cls = [(cls_fields["name"], ptr, "u"),
                    (cls_fields["methods"], ptr, "u"),
                    (cls_fields["size"], _field_type(cls, "size").sizeof, "u")]
        method_fields = gtypes.flatten_fields(method)
        self.method_size = method.sizeof
        self.method = [(method_fields["desc"], ptr, "u"),
                       (method_fields["func"], ptr, "u")]


def _field_type(gtype, name):
    """The type of member name of the struct gtype; KeyError if none."""
    for field in gtype.strip_typedefs().fields():
        if field.name == name:
            return field.type
    raise KeyError(name)


def _strings(kd, tgt, addrs, limit=_MAX_NAME):
    """The C string at each address of addrs, None for 0 or unreadable, in
    one gathered read of at most limit bytes each.  One that cannot be read
    that far (the next page unmapped) is read again up to the end of its
    page, where the kernel's malloc ends a small string."""
    rows = kd.read_fields(addrs, [(0, limit, "s")])
    out = []
    for addr, row in zip(addrs, rows):
        if row is None and addr:
            size = min(limit, tgt.page_size - addr % tgt.page_size)
            row = kd.read_fields([addr], [(0, size, "s")])[0]
        out.append(None if row is None else row[0])
    return out


def _struct_in_block(block, tag):
    """struct tag as the compilation unit of block sees it, or None."""
    try:
        sym = gdb.lookup_symbol(tag, block, gdb.SYMBOL_STRUCT_DOMAIN)[0]
    except (gdb.error, RuntimeError, ValueError):
        return None
    return None if sym is None else sym.type


def _class_functions(kd, layout, methods):
    """The method functions of a kobj class's table at methods, in order,
    up to KOBJMETHOD_END."""
    for i in range(_MAX_METHODS):
        row = kd.read_fields([methods + i * layout.method_size],
                             layout.method)[0]
        if row is None or row[0] == 0 or row[1] == 0:
            return
        yield row[1]


def elf_file_type(tgt, layout, cls_addr, cls_name, methods, size):
    """struct elf_file of the linker class at cls_addr; KvmError if none.

    The block of the class's first method (FreeBSD's sys/tools/gdb does the
    same), then of its other methods, then the global struct elf_file; a
    candidate must have the class's member, and sizeof(struct elf_file)
    must be the class's size (kobj_class.size) when that is known."""
    want = _CLASS_FIELD[cls_name]
    cache = tgt.cache.setdefault("modules.elf_file", {})
    if (cls_addr, cls_name) in cache:
        return cache[(cls_addr, cls_name)]
    candidates = []
    if methods:
        for func in _class_functions(tgt.kd, layout, methods):
            try:
                block = gdb.block_for_pc(func)
            except (gdb.error, RuntimeError):
                block = None
            found = None if block is None else _struct_in_block(block, "elf_file")
            if found is not None and gtypes.has_field(found, want):
                candidates.append(found)
                break
    found = symtab.lookup_struct("elf_file")
    if found is not None:
        candidates.append(found)
    fitting = [t for t in candidates if gtypes.has_field(t, want)]
    sized = [t for t in fitting if not size or t.sizeof == size]
    if not (sized or fitting):
        raise KvmError("no struct elf_file with %s for linker class %s in the "
                       "debug info" % (want, cls_name))
    cache[(cls_addr, cls_name)] = (sized or fitting)[0]
    return cache[(cls_addr, cls_name)]


def _dso_sets(kd, ef_type, lf_addr, pointer_size):
    fields = gtypes.flatten_fields(ef_type)
    wanted = [(set_name, names) for set_name, names in _DSO_FIELDS.items()
              if names[0] in fields]    # no vnet_start without VIMAGE
    row = kd.read_fields([lf_addr], [(fields[n], pointer_size, "u")
                                     for _, names in wanted for n in names])[0]
    if row is None:
        raise KvmError("cannot read its struct elf_file at 0x%x" % lf_addr)
    sets = {}
    for i, (set_name, _names) in enumerate(wanted):
        start, stop, base = row[3 * i:3 * i + 3]
        if start != 0:              # 0: the module has no such section
            sets[set_name] = (start, stop, base)
    return sets


def _progtab(kd, tgt, ef_type, lf_addr):
    """[(name, addr, origaddr or None, size)] of the named progtab entries
    set_pcpu and set_vnet of the object module at lf_addr."""
    fields = gtypes.flatten_fields(ef_type)
    count_type = _field_type(ef_type, "nprogtab")
    ptr = tgt.pointer_size
    row = kd.read_fields([lf_addr], [(fields["progtab"], ptr, "u"),
                                     (fields["nprogtab"], count_type.sizeof,
                                      "i" if gtypes.is_signed(count_type)
                                      else "u")])[0]
    if row is None:
        raise KvmError("cannot read its struct elf_file at 0x%x" % lf_addr)
    progtab, count = row
    if count <= 0 or progtab == 0:
        return []
    if count > _MAX_PROGTAB:
        raise KvmError("nprogtab %d is corrupt" % count)
    entry = _field_type(ef_type, "progtab").strip_typedefs().target()
    entry_fields = gtypes.flatten_fields(entry)
    has_origaddr = "origaddr" in entry_fields
    wanted = [(entry_fields["name"], ptr, "u"), (entry_fields["addr"], ptr, "u"),
              (entry_fields["size"], _field_type(entry, "size").sizeof, "u")]
    if has_origaddr:
        wanted.append((entry_fields["origaddr"], ptr, "u"))
    rows = kd.read_fields([progtab + i * entry.sizeof for i in range(count)],
                          wanted)
    for i, entry_row in enumerate(rows):
        if entry_row is None:
            raise KvmError("cannot read progtab[%d] at 0x%x"
                           % (i, progtab + i * entry.sizeof))
    # One byte more than the longest name tells "set_pcpu" from
    # "set_pcpu_more".
    names = _strings(kd, tgt, [r[0] for r in rows], max(map(len, SETS)) + 1)
    out = []
    for name, entry_row in zip(names, rows):
        if name in SETS:
            out.append((name, entry_row[1],
                        entry_row[3] if has_origaddr else None, entry_row[2]))
    return out


_SECTION_LINE = re.compile(r"\s*(0x[0-9a-fA-F]+) - (0x[0-9a-fA-F]+) is (\S+)"
                           r"(?: in (.+))?\s*$")


def gdb_sections(names):
    """[(start, end, section, file)] of every section named in names in
    GDB's section table ("info files": where GDB placed each objfile's
    sections, kgdb's modules included), file None for the main program's."""
    try:
        text = gdb.execute("info files", to_string=True)
    except gdb.error:
        return []
    out = []
    for line in text.splitlines():
        match = _SECTION_LINE.match(line)
        if match and match.group(3) in names:
            out.append((int(match.group(1), 16), int(match.group(2), 16),
                        match.group(3), match.group(4)))
    return out


class _Sections:
    """GDB's set_pcpu and set_vnet sections, listed on first need."""

    def __init__(self):
        self._list = None

    def placed(self, lf, set_name, size):
        """The image address of the object module lf's section set_name as
        GDB placed it: the section of that name inside the module's image
        [lf->address, lf->address + lf->size).  KvmError if GDB has none."""
        if self._list is None:
            self._list = gdb_sections(SETS)
        base, length = lf.image
        inside = [s for s in self._list
                  if s[2] == set_name and base <= s[0] < base + length]
        if not inside:
            raise KvmError("its progtab has no origaddr (FreeBSD before 15) "
                           "and GDB has no %s section inside its image "
                           "0x%x-0x%x: load its symbols (kgdb: add-kld %s)"
                           % (set_name, base, base + length, lf.filename))
        start, end = inside[0][0], inside[0][1]
        if end - start != size:
            raise KvmError("GDB's %s section at 0x%x is %d bytes, the "
                           "kernel's copy %d" % (set_name, start, end - start,
                                                 size))
        return start


def _obj_sets(tgt, ef_type, lf, sections):
    sets = {}
    for set_name, addr, origaddr, size in _progtab(tgt.kd, tgt, ef_type,
                                                   lf.address):
        if origaddr is None:
            origaddr = sections.placed(lf, set_name, size)
        sets[set_name] = (origaddr, origaddr + size, addr)
    return sets


def read(tgt):
    """The Modules of tgt's kernel: empty when it has no linker_files."""
    mods = Modules()
    head = symtab.symbol_address("linker_files")
    lf_type = symtab.lookup_struct("linker_file")
    if head is None or lf_type is None:
        return mods
    kd = tgt.kd
    try:
        layout = _Layout(lf_type, tgt.pointer_size)
    except (KeyError, AttributeError, gdb.error) as err:
        mods.problems.append("linker_files: struct linker_file has no %s"
                             % err)
        return mods
    try:
        head_type = symtab.lookup_symbol("linker_files").type
        head += gtypes.flatten_fields(head_type)["tqh_first"]
    except (AttributeError, KeyError, gdb.error):
        pass                    # no debug info for it: tqh_first comes first
    try:
        first = kd.read_pointers(head, 1)[0]
        addrs = kd.walk_list(first, layout.next, _MAX_FILES) if first else []
        rows = kd.read_fields(addrs, layout.file)
    except KvmError as err:
        mods.problems.append("linker_files: %s" % err)
        return mods
    for addr, row in zip(addrs, rows):
        if row is None:
            mods.problems.append("0x%x: cannot read its struct linker_file"
                                 % addr)
    good = [(addr, row) for addr, row in zip(addrs, rows) if row is not None]
    names = _strings(kd, tgt, [row[0] for _, row in good])
    cls_ptrs = kd.read_fields([row[1] + layout.ops_cls for _, row in good],
                              [(0, tgt.pointer_size, "u")])
    classes = _classes(kd, tgt, layout, {c[0] for c in cls_ptrs if c})
    sections = _Sections()
    for (addr, row), filename, cls_ptr in zip(good, names, cls_ptrs):
        filename = filename or "0x%x" % addr
        try:
            cls_addr = cls_ptr[0] if cls_ptr else 0
            if classes.get(cls_addr) is None:
                raise KvmError("cannot read its linker class at 0x%x"
                               % cls_addr)
            cls_name, methods, cls_size = classes[cls_addr]
            entry = LinkerFile(addr, filename, cls_name, (row[2], row[3]))
            if cls_name in DSO_CLASSES + OBJ_CLASSES:
                ef_type = elf_file_type(tgt, layout, cls_addr, cls_name,
                                        methods, cls_size)
                if cls_name in DSO_CLASSES:
                    entry.sets = _dso_sets(kd, ef_type, addr, tgt.pointer_size)
                else:
                    entry.sets = _obj_sets(tgt, ef_type, entry, sections)
            else:
                mods.problems.append("%s: unknown linker class %s"
                                     % (filename, cls_name))
            mods.files.append(entry)
        except KvmError as err:
            mods.problems.append("%s: %s" % (filename, str(err).strip()))
        except KeyError as err:
            mods.problems.append("%s: its struct elf_file has no member %s"
                                 % (filename, err))
    return mods


def _classes(kd, tgt, layout, addrs):
    """{class address: (name, methods, size)} of the linker classes at
    addrs, None for one that cannot be read."""
    addrs = sorted(addrs)
    rows = kd.read_fields(addrs, layout.cls)
    names = _strings(kd, tgt, [row[0] if row else 0 for row in rows])
    return {addr: None if row is None else (name, row[1], row[2])
            for addr, row, name in zip(addrs, rows, names)}


def attach(tgt):
    """Read the modules and give their sections to tgt's handle.

    Never raises: a kernel whose modules cannot be read still has its own
    per-CPU and VNET variables; the problems are kept for the messages."""
    try:
        mods = read(tgt)
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
    if tgt.modules is None:
        attach(tgt)
    return tgt.modules


def place(kd, addr, set_name):
    """Attach the current target's modules before the core places the
    template address addr (kd's dpcpu_* or vnet_* calls), unless addr lies
    in the kernel's own set_name: only a module's variable needs
    linker_files, so the first call on a kernel variable reads none."""
    tgt = target.current()
    if tgt.modules is not None:
        return
    bounds = kd.dpcpu_bounds if set_name == "set_pcpu" else kd.vnet_bounds
    try:
        start, stop = bounds()
    except KvmError:
        start = stop = 0        # the core's own error comes with the call
    if not start <= addr < stop:
        of(tgt)
