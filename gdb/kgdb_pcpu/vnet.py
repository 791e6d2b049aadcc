"""VNET: the virtual network stacks of a VIMAGE kernel, and their variables.

VNET_DEFINE(type, x) makes the symbol vnet_entry_x in the section set_vnet,
a template: stack V's copy of x is at &vnet_entry_x + V->vnet_data_base,
after a module's variable was relocated to the kernel's copy of the
module's set_vnet (docs/FREEBSD.md, VNET).  The core does that arithmetic
and its checks (kd.vnet_addr); this module finds the stacks: every struct
vnet on vnet_head, vnet0 the base one, each jail's pr_vnet (allprison), and
the selected thread's td_vnet, the default one as in FreeBSD 15's $V.

The lists are walked and their fields read by the core (kd.walk_list,
kd.read_fields), once per stop: they live in the Target's vnet_stacks,
which Target.invalidate() drops when the target runs or its memory is
written.  Offsets and sizes come from the debug info, once per handle.

Without options VIMAGE, VNET_DEFINE makes a plain global named x and the
kernel has no vnet0: every name here is then the plain global.
"""

import re

import gdb

from . import default_cpu, modules, symbols, symtab, target
from ._kvm import KvmError

PREFIX = "vnet_entry_"
BASE_NAME = "vnet0"
# VNET_MAGIC_N of sys/net/vnet.h changed when struct vnet gained
# vnet_shutdown (13.0): docs/FREEBSD.md, VNET.
MAGIC_SHUTDOWN = 0x5e4a6f28
MAGIC_BEFORE_SHUTDOWN = 0x3e0d8f29

_INT = re.compile(r"(0[xX][0-9a-fA-F]+|\d+)\Z")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def vimage():
    """Whether the kernel was built with options VIMAGE (it has vnet0)."""
    return target.current().vimage


# --- Layout, from the debug info, once per handle. --------------------------


def _member(gtype, path):
    """(byte offset, size) of the member path ("vnet_le.le_next") of the
    struct gtype, or None when it has no such member."""
    offset = 0
    for name in path.split("."):
        gtype = gtype.strip_typedefs()
        try:
            field = gtype[name]
        except (KeyError, TypeError, gdb.error):
            return None
        if field.bitpos is None:
            return None
        offset += field.bitpos // 8
        gtype = field.type
    return offset, gtype.sizeof


def _head_member(symbol, path):
    """(address of symbol + offset of its member path, size), or None."""
    addr = symtab.symbol_address(symbol)
    sym = symtab.lookup_symbol(symbol)
    if addr is None or sym is None:
        return None
    member = _member(sym.type, path)
    if member is None:
        return None
    return addr + member[0], member[1]


class _Layout:
    """Where the fields this module reads are, for one handle."""

    def __init__(self):
        vnet = symtab.lookup_struct("vnet")
        self.vnet_next = vnet and _member(vnet, "vnet_le.le_next")
        self.magic = vnet and _member(vnet, "vnet_magic_n")
        self.data_base = vnet and _member(vnet, "vnet_data_base")
        # The value vnet_alloc() stores, by the era of struct vnet.
        self.expected_magic = (MAGIC_SHUTDOWN
                               if vnet and _member(vnet, "vnet_shutdown")
                               else MAGIC_BEFORE_SHUTDOWN)
        self.vnet_head = _head_member("vnet_head", "lh_first")
        prison = symtab.lookup_struct("prison")
        self.allprison = _head_member("allprison", "tqh_first")
        self.pr_next = prison and _member(prison, "pr_list.tqe_next")
        self.pr_name = prison and _member(prison, "pr_name")
        self.pr_vnet = prison and _member(prison, "pr_vnet")
        proc = symtab.lookup_struct("proc")
        thread = symtab.lookup_struct("thread")
        self.allproc = _head_member("allproc", "lh_first")
        self.p_next = proc and _member(proc, "p_list.le_next")
        self.p_threads = proc and _member(proc, "p_threads.tqh_first")
        self.td_next = thread and _member(thread, "td_plist.tqe_next")
        self.td_tid = thread and _member(thread, "td_tid")
        self.td_vnet = thread and _member(thread, "td_vnet")

    def vnet_fields(self):
        """read_fields' fields of a struct vnet: vnet_data_base, then
        vnet_magic_n when it has one."""
        if not self.data_base:
            raise gdb.GdbError("no struct vnet with vnet_data_base in the "
                               "debug info")
        fields = [(self.data_base[0], self.data_base[1], "u")]
        if self.magic is not None:
            fields.append((self.magic[0], self.magic[1], "u"))
        return fields


def _layout(tgt):
    layout = tgt.cache.get("vnet")
    if layout is None:
        layout = tgt.cache["vnet"] = _Layout()
    return layout


# --- What was read while stopped. -------------------------------------------


class _Stopped:
    """The vnets, jails and threads read since the target last stopped."""

    def __init__(self):
        self.base = None            # the value of vnet0
        self.vnets = {}             # struct vnet address -> (data_base, magic)
        self.checked = {}           # struct vnet address -> its Stack
        self.defaults = {}          # td_tid -> the Stack default_stack() gives
        self.stacks = None          # [Stack], vnet0 first
        self.jails = None           # [(pr_name, pr_vnet)] of allprison
        self.curthreads = None      # {td_tid: td_vnet} of the CPUs' curthreads
        self.threads = None         # {td_tid: td_vnet} of allproc


def _stopped(tgt):
    if tgt.vnet_stacks is None:
        tgt.vnet_stacks = _Stopped()
    return tgt.vnet_stacks


def _pointer(kd, addr):
    return kd.read_pointers(addr, 1)[0]


def _walk(kd, head, next_member):
    """The elements of the sys/queue.h list whose head pointer is at head
    ((address, size), from _head_member)."""
    if head is None or next_member is None:
        return []
    first = _pointer(kd, head[0])
    return kd.walk_list(first, next_member[0]) if first else []


def base_address():
    """The struct vnet of the base stack (the value of vnet0)."""
    tgt = target.current()
    stopped = _stopped(tgt)
    if stopped.base is None:
        addr = symtab.symbol_address(BASE_NAME)
        if addr is None:
            raise gdb.GdbError("No symbol \"%s\" in the kernel." % BASE_NAME)
        stopped.base = _pointer(tgt.kd, addr)
    return stopped.base


def _read_vnets(tgt, addresses):
    """Read vnet_data_base and vnet_magic_n of each struct vnet at
    addresses, into the stopped state (None for an unreadable one)."""
    stopped = _stopped(tgt)
    todo = [a for a in addresses if a not in stopped.vnets]
    if todo:
        layout = _layout(tgt)
        for addr, got in zip(todo, tgt.kd.read_fields(todo,
                                                      layout.vnet_fields())):
            stopped.vnets[addr] = got
    return stopped


def data_base(address):
    """vnet_data_base of the struct vnet at address, after checking that it
    is one (its vnet_magic_n, as this kernel's struct vnet sets it)."""
    if address == 0:
        raise gdb.GdbError("the vnet is NULL")
    tgt = target.current()
    got = _read_vnets(tgt, [address]).vnets[address]
    if got is None:
        raise gdb.GdbError("0x%x is not a struct vnet: cannot read memory "
                           "there" % address)
    expected = _layout(tgt).expected_magic
    if len(got) > 1 and got[1] != expected:
        raise gdb.GdbError("0x%x is not a struct vnet (vnet_magic_n is "
                           "0x%x, not 0x%x)" % (address, got[1], expected))
    return got[0]


def jails():
    """[(jail name, its pr_vnet)] of allprison, in list order."""
    tgt = target.current()
    stopped = _stopped(tgt)
    if stopped.jails is None:
        layout = _layout(tgt)
        found = []
        prisons = _walk(tgt.kd, layout.allprison, layout.pr_next)
        if prisons and layout.pr_name and layout.pr_vnet:
            fields = [(layout.pr_name[0], layout.pr_name[1], "s"),
                      (layout.pr_vnet[0], layout.pr_vnet[1], "u")]
            for addr, got in zip(prisons, tgt.kd.read_fields(prisons, fields)):
                found.append(got if got is not None else ("0x%x" % addr, 0))
        stopped.jails = found
    return stopped.jails


def _prison0_name():
    """pr_name of prison0 (the host, "0"), or None."""
    tgt = target.current()
    layout = _layout(tgt)
    addr = symtab.symbol_address("prison0")
    if addr is None or not layout.pr_name:
        return None
    got = tgt.kd.read_fields([addr], [(layout.pr_name[0], layout.pr_name[1],
                                      "s")])[0]
    return got[0] if got else None


class Stack:
    """One network stack: its struct vnet and vnet_data_base."""

    def __init__(self, address, base, label=None):
        self.address = address
        self.data_base = base
        self.label = label          # how the user named it, if they did

    def names(self):
        """vnet0 for the base stack, then the jails whose pr_vnet it is."""
        names = [BASE_NAME] if self.address == base_address() else []
        return names + [n for n, v in jails() if v == self.address]

    def name(self):
        """How a block of output names it: the label it was asked by, else
        vnet0, its first jail, or its address."""
        if self.label:
            return self.label
        names = self.names()
        return names[0] if names else "0x%x" % self.address


def stack_at(address, label=None):
    """The Stack of the struct vnet at address (checked once per stop)."""
    checked = _stopped(target.current()).checked
    stack = checked.get(address)
    if stack is None:
        stack = checked[address] = Stack(address, data_base(address))
    return Stack(address, stack.data_base, label) if label else stack


def stacks():
    """Every stack: vnet0 first, then vnet_head from the oldest.

    vnet_alloc() inserts at the head of vnet_head, so the list runs from
    the newest stack to the oldest."""
    tgt = target.current()
    stopped = _stopped(tgt)
    if stopped.stacks is None:
        layout = _layout(tgt)
        base = base_address()
        addrs = list(reversed(_walk(tgt.kd, layout.vnet_head,
                                    layout.vnet_next)))
        addrs = [base] + [a for a in addrs if a != base]
        _read_vnets(tgt, addrs)
        stopped.stacks = [Stack(a, (stopped.vnets[a] or (0,))[0])
                          for a in addrs]
    return stopped.stacks


def resolve(text):
    """The Stack a user names: a jail's name, vnet0, the host's jail name
    (prison0, "0"), or a struct vnet address.  A jail's name comes first,
    as FreeBSD's $V looks strings up in allprison only."""
    text = text.strip()
    if not text:
        raise gdb.GdbError("a VNET is required (vnet0, a jail name or a "
                           "struct vnet address)")
    known = jails()
    for name, vnet in known:
        if name == text:
            if vnet == 0:
                raise gdb.GdbError("jail \"%s\" has no vnet" % text)
            return stack_at(vnet, text)
    if text == BASE_NAME or text == _prison0_name():
        return stack_at(base_address(), BASE_NAME)
    if _INT.match(text):
        return stack_at(int(text, 0))
    names = ", ".join([BASE_NAME] + [n for n, _ in known])
    raise gdb.GdbError("No jail named \"%s\" (vnets: %s, or a struct vnet "
                       "address)" % (text, names))


def _textual(gtype):
    """Whether GDB prints gtype's values as characters (C's char types)."""
    gtype = gtype.strip_typedefs()
    return (gtype.code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_CHAR)
            and gtype.sizeof == 1)


def string_like(value):
    """value's text when GDB would print it as a string (an array of, or a
    pointer to, characters: GDB 14's Type.is_string_like), else None.  That
    is how FreeBSD's $V tells a jail's name from a struct vnet pointer, and
    reads its NAME: a literal, a convenience variable or program memory."""
    gtype = value.type
    while gtype.strip_typedefs().code == gdb.TYPE_CODE_REF:
        gtype = gtype.strip_typedefs().target()
    known = getattr(gtype, "is_string_like", None)       # GDB 14 and later
    if known is None:
        stripped = gtype.strip_typedefs()
        known = ((stripped.code == gdb.TYPE_CODE_ARRAY and stripped.sizeof > 0
                  or stripped.code == gdb.TYPE_CODE_PTR)
                 and _textual(stripped.target()))
    return value.string() if known else None


def resolve_value(value):
    """The Stack a function argument names: a string (string_like), or a
    struct vnet (its address), a pointer to one, or an address."""
    text = string_like(value)
    if text is not None:
        return resolve(text)
    gtype = value.type.strip_typedefs()
    if gtype.code == gdb.TYPE_CODE_STRUCT and value.address is not None:
        return stack_at(int(value.address))
    if gtype.code in (gdb.TYPE_CODE_PTR, gdb.TYPE_CODE_INT):
        return stack_at(int(value) & ((1 << 64) - 1))
    raise gdb.GdbError("VNET must be a struct vnet * or a jail name, not "
                       "type %s" % value.type)


def _curthread_vnets(tgt, layout):
    """{td_tid: td_vnet} of every present CPU's curthread."""
    kd = tgt.kd
    offset = tgt.pcpu_fields.get("pc_curthread")
    if offset is None:
        return {}
    pcpus = [a for a in (kd.pcpu_addr(cpu) for cpu in kd.cpus()) if a]
    tds = [got[0] for got in kd.read_fields(pcpus, [(offset, tgt.pointer_size,
                                                     "u")])
           if got is not None and got[0]]
    return _thread_vnets(kd, layout, tds)


def _thread_vnets(kd, layout, tds):
    fields = [(layout.td_tid[0], layout.td_tid[1], "i"),
              (layout.td_vnet[0], layout.td_vnet[1], "u")]
    return {got[0]: got[1] for got in kd.read_fields(tds, fields)
            if got is not None}


def _allproc_vnets(tgt, layout):
    """{td_tid: td_vnet} of every thread of every process on allproc."""
    kd = tgt.kd
    procs = _walk(kd, layout.allproc, layout.p_next)
    if not procs or not layout.p_threads or not layout.td_next:
        return {}
    tds = []
    for got in kd.read_fields(procs, [(layout.p_threads[0],
                                       layout.p_threads[1], "u")]):
        if got is not None and got[0]:
            tds.extend(kd.walk_list(got[0], layout.td_next[0]))
    return _thread_vnets(kd, layout, tds)


def thread_vnet(tid):
    """td_vnet of the thread whose td_tid is tid, on a CPU or not (its
    CPU's curthread, else allproc), or None when no thread has that tid."""
    tgt = target.current()
    layout = _layout(tgt)
    if not layout.td_tid or not layout.td_vnet:
        return None
    stopped = _stopped(tgt)
    if stopped.curthreads is None:
        stopped.curthreads = _curthread_vnets(tgt, layout)
    if tid in stopped.curthreads:
        return stopped.curthreads[tid]
    if stopped.threads is None:
        stopped.threads = _allproc_vnets(tgt, layout)
    return stopped.threads.get(tid)


def default_stack():
    """The selected thread's td_vnet (whether or not it runs on a CPU),
    else vnet0: the stack a VNET variable means by default, as FreeBSD 15's
    $V decides it."""
    tid = default_cpu.selected_tid()
    defaults = _stopped(target.current()).defaults
    stack = defaults.get(tid)
    if stack is None:
        vnet = thread_vnet(tid) if tid is not None else None
        stack = defaults[tid] = (stack_at(vnet) if vnet
                                 else stack_at(base_address(), BASE_NAME))
    return stack


# --- Variables. -------------------------------------------------------------


class VnetVar:
    """A VNET variable: its symbol, type and template address (VIMAGE), or
    a plain global (without VIMAGE: value is then the global itself)."""

    def __init__(self, name, gtype, address, plain):
        self.name = name
        self.type = gtype
        self.pointer_type = gtype.pointer()
        self.address = address
        self.plain = plain

    def addr(self, kd, stack):
        """Address of stack's copy; one-line errors name the symbol."""
        if self.plain:
            return self.address
        try:
            return kd.vnet_addr(self.address, stack.data_base)
        except KvmError as err:
            better = modules.module_error(self.name, self.address,
                                          "set_vnet", err)
            if better is not None:
                raise better from None
            raise gdb.GdbError("%s: %s" % (self.name, str(err).strip())) from None

    def value(self, kd, stack):
        """stack's copy, an lvalue (the global itself when plain)."""
        return self.pointer(kd, stack).dereference()

    def pointer(self, kd, stack):
        return gdb.Value(self.addr(kd, stack)).cast(self.pointer_type)

    def cast_text(self, address):
        """A plain GDB expression of the object of this type at address."""
        text = str(self.pointer_type)
        if not text or "{" in text or "<" in text:
            return None
        return "(*(%s)0x%x)" % (text, address)


def _variable(name):
    """(type, address) of the variable symbol name, or None."""
    sym = symtab.lookup_symbol(name)
    if sym is None or sym.needs_frame:
        return None
    # A declaration (VNET_DECLARE's extern) may come first: GDB resolves
    # it through the minimal symbol.
    if not sym.is_variable and sym.addr_class != gdb.SYMBOL_LOC_UNRESOLVED:
        return None
    try:
        value = sym.value()
    except gdb.error:
        return None
    if value.address is None:
        return None
    return value.type, int(value.address)


def short_name(name):
    name = name.strip()
    if name.startswith("V_"):
        name = name[2:]
    if name.startswith(PREFIX):
        name = name[len(PREFIX):]
    return name


def lookup(name):
    """The VnetVar of name (x, V_x or vnet_entry_x); gdb.GdbError if none.

    On a VIMAGE kernel vnet_entry_x, else the symbol itself (which the core
    then refuses, naming its address, unless it lies in a set_vnet); without
    VIMAGE the plain global x.  Kept for the handle's life."""
    tgt = target.current()
    known = tgt.cache.setdefault("vnet.vars", {})
    var = known.get(name)
    if var is None:
        var = known[name] = _lookup(name, tgt.vimage)
    return var


def _lookup(name, is_vimage):
    name = name.strip()
    if not _NAME.match(name):
        raise gdb.GdbError("invalid VNET variable name \"%s\"" % name)
    short = short_name(name)
    if is_vimage:
        cands = [name] if name.startswith(PREFIX) else [PREFIX + short, name]
    else:
        cands = [short] if name.startswith(("V_", PREFIX)) else [name]
    for cand in cands:
        found = _variable(cand)
        if found is not None:
            return VnetVar(cand, found[0], found[1], not is_vimage)
    for cand in cands:
        if symtab.symbol_address(cand) is not None:
            raise gdb.GdbError("\"%s\" has no debug info: its type is unknown"
                               % cand)
    cands = list(dict.fromkeys(cands))
    if len(cands) == 1:
        raise gdb.GdbError("No symbol \"%s\"." % cands[0])
    raise gdb.GdbError("No symbol \"%s\" or \"%s\"." % tuple(cands[:2]))


def from_value(value):
    """The VnetVar of a program variable passed as itself."""
    if value.address is None:
        raise gdb.GdbError("not a variable: pass the VNET variable or its name "
                           "as a string")
    return VnetVar(str(value.address), value.type, int(value.address),
                   not vimage())


def is_vnet_symbol(name):
    """Whether name is a VNET variable's name (x, V_x, vnet_entry_x) on a
    VIMAGE kernel: the symbol vnet_entry_x exists."""
    return symtab.symbol_address(PREFIX + short_name(name)) is not None


# --- Expressions that name VNET variables (counter-fetch). -----------------

_TOKEN = re.compile(r"""
    (?P<str>"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')
  | (?P<num>\.?\d[\w.]*)
  | (?P<ident>[A-Za-z_$][\w$]*)
  | (?P<arrow>->)
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)

_TAG_KEYWORDS = ("struct", "union", "enum")


def expression(expr, vnet_text=None):
    """expr with every VNET variable it names replaced by that variable's
    copy in the stack vnet_text names (default: default_stack()).

    A name is a VNET variable when the kernel has vnet_entry_NAME (NAME may
    be x, V_x or vnet_entry_x); with -V it wins over a plain global of the
    same name.  Members (after . or ->), struct tags and convenience
    variables are left alone.  Without VIMAGE, expr is returned as is."""
    if not vimage():
        if vnet_text is not None:
            resolve_plain(vnet_text)
        return expr
    stack = None
    out = []
    prev = None
    kd = target.kvm()
    for match in _TOKEN.finditer(expr):
        kind = match.lastgroup
        text = match.group(0)
        if kind == "space":
            out.append(text)
            continue
        if (kind == "ident" and not text.startswith("$")
                and prev not in (".", "->") and prev not in _TAG_KEYWORDS
                and is_vnet_symbol(text)
                and (vnet_text is not None or text.startswith(("V_", PREFIX))
                     or _variable(text) is None)):
            if stack is None:
                stack = (resolve(vnet_text) if vnet_text is not None
                         else default_stack())
            var = lookup(text)
            addr = var.addr(kd, stack)
            cast = var.cast_text(addr)
            if cast is None:
                cast = "$V(\"%s\", (struct vnet *)0x%x)" % (var.name,
                                                            stack.address)
            out.append(cast)
        else:
            out.append(text)
        prev = text if kind != "str" else None
    if vnet_text is not None and stack is None:
        resolve(vnet_text)          # a bad -V is an error even when unused
    return "".join(out)


def resolve_plain(text):
    """Without VIMAGE every jail shares the one stack: a VNET argument of a
    command must still name vnet0, a jail or an address."""
    text = text.strip()
    if text in (BASE_NAME, "all") or _INT.match(text):
        return
    if any(name == text for name, _ in jails()):
        return
    raise gdb.GdbError("No jail named \"%s\"." % text)


def jail_names():
    """The jail names, for completion ([] when they cannot be read)."""
    try:
        return [name for name, _ in jails()]
    except (gdb.error, gdb.GdbError, KvmError):
        return []


def complete_name(word):
    """Completions of a VNET variable name: x and vnet_entry_x."""
    return symbols.complete_prefixed(word, PREFIX)
