"""VNET in GDB: the stacks of the current target, and VNET variables.

The stacks and jails are vnets.py's (the model the command line shares),
over a Layout taken from GDB's types once per handle, and read once per
stop: the vnets.Vnets lives in the Target's vnet_stacks, which
Target.invalidate() drops when the target runs or its memory is written.
The default stack is the selected thread's td_vnet, found here among the
CPUs' curthreads and then on allproc, as FreeBSD 15's $V decides it.

A VNET variable's stack copy is at &vnet_entry_x + vnet_data_base; the core
does that arithmetic and its checks (kd.vnet_addr).  Without options
VIMAGE, VNET_DEFINE makes a plain global named x and the kernel has no
vnet0: every name here is then the plain global.
"""

import re

import gdb

from . import (compat, default_cpu, modorigin, modules, symbols, symtab,
               target, vnets)
from ._kvm import KvmError
from .modelerror import ModelError
from .linkersets import VNET_PREFIX
from .vnets import BASE_NAME

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def vimage():
    """Whether the kernel was built with options VIMAGE (it has vnet0)."""
    return target.current().vimage


# --- Layout, from the debug info, once per handle. --------------------------


def _member(gtype, path):
    """(byte offset, size) of the member path ("vnet_le.le_next") of the
    struct gtype, or None when it has no such member (or no gtype)."""
    if gtype is None:
        return None
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


def _offset(gtype, path):
    member = _member(gtype, path)
    return None if member is None else member[0]


def _field(gtype, path, kind):
    """The read_fields spec (offset, size, kind) of a member, or None."""
    member = _member(gtype, path)
    return None if member is None else (member[0], member[1], kind)


def _head(symbol, path):
    """The address of the member path of the global symbol, or None."""
    addr = symtab.symbol_address(symbol)
    sym = symtab.lookup_symbol(symbol)
    if addr is None or sym is None:
        return None
    member = _member(sym.type, path)
    return None if member is None else addr + member[0]


def _layout(tgt):
    """The vnets.Layout of this handle's kernel."""
    layout = tgt.cache.get("vnet")
    if layout is None:
        vnet = symtab.lookup_struct("vnet")
        prison = symtab.lookup_struct("prison")
        layout = tgt.cache["vnet"] = vnets.Layout(
            vnet0=symtab.symbol_address(BASE_NAME),
            vnet_head=_head("vnet_head", "lh_first"),
            vnet_next=_offset(vnet, "vnet_le.le_next"),
            data_base=_field(vnet, "vnet_data_base", "u"),
            magic=_field(vnet, "vnet_magic_n", "u"),
            has_shutdown=_member(vnet, "vnet_shutdown") is not None,
            allprison=_head("allprison", "tqh_first"),
            pr_next=_offset(prison, "pr_list.tqe_next"),
            pr_name=_field(prison, "pr_name", "s"),
            pr_vnet=_field(prison, "pr_vnet", "u"),
            prison0=symtab.symbol_address("prison0"))
    return layout


class _Threads:
    """Where a thread's td_tid and td_vnet are, and the lists that find
    it: allproc, each process's p_threads."""

    def __init__(self):
        proc = symtab.lookup_struct("proc")
        thread = symtab.lookup_struct("thread")
        self.allproc = _head("allproc", "lh_first")
        self.p_next = _offset(proc, "p_list.le_next")
        self.p_threads = _field(proc, "p_threads.tqh_first", "u")
        self.td_next = _offset(thread, "td_plist.tqe_next")
        self.td_tid = _field(thread, "td_tid", "i")
        self.td_vnet = _field(thread, "td_vnet", "u")


# --- What was read while stopped. -------------------------------------------


class _Stopped:
    """The stacks, jails and threads read since the target last stopped."""

    def __init__(self, tgt):
        self.vnets = vnets.Vnets(tgt.kd, _layout(tgt))
        self.defaults = {}          # td_tid -> the Stack default_stack() gives
        self.curthreads = None      # {td_tid: td_vnet} of the CPUs' curthreads
        self.threads = None         # {td_tid: td_vnet} of allproc


def _stopped(tgt):
    if tgt.vnet_stacks is None:
        tgt.vnet_stacks = _Stopped(tgt)
    return tgt.vnet_stacks


def current():
    """The vnets.Vnets of the current target, as read since it stopped."""
    return _stopped(target.current()).vnets


def jails():
    """[(jail name, its pr_vnet)] of allprison, in list order."""
    return current().jails()


def stack_at(address, label=None):
    """The Stack of the struct vnet at address (checked once per stop)."""
    return current().stack_at(address, label)


def stacks():
    """Every stack: vnet0 first, then vnet_head from the oldest."""
    return current().stacks()


def resolve(text):
    """The Stack a user names (vnets.Vnets.resolve)."""
    return current().resolve(text)


def string_like(value):
    """value's text when GDB would print it as a string (an array of, or a
    pointer to, characters: compat.is_string_like), else None.  That is how
    FreeBSD's $V tells a jail's name from a struct vnet pointer, and reads
    its NAME: a literal, a convenience variable or program memory."""
    gtype = value.type
    while gtype.strip_typedefs().code == gdb.TYPE_CODE_REF:
        gtype = gtype.strip_typedefs().target()
    return value.string() if compat.is_string_like(gtype) else None


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


def _threads(tgt):
    threads = tgt.cache.get("vnet.threads")
    if threads is None:
        threads = tgt.cache["vnet.threads"] = _Threads()
    return threads


def _thread_vnets(kd, lay, tds):
    """{td_tid: td_vnet} of the struct threads at tds."""
    return {got[0]: got[1] for got in kd.read_fields(tds, [lay.td_tid,
                                                         lay.td_vnet])
            if got is not None}


def _curthread_vnets(tgt, lay):
    """{td_tid: td_vnet} of every present CPU's curthread."""
    kd = tgt.kd
    offset = tgt.pcpu_fields.get("pc_curthread")
    if offset is None:
        return {}
    pcpus = [a for a in (kd.pcpu_addr(cpu) for cpu in kd.cpus()) if a]
    tds = [got[0] for got in kd.read_fields(pcpus, [(offset, tgt.pointer_size,
                                                     "u")])
           if got is not None and got[0]]
    return _thread_vnets(kd, lay, tds)


def _allproc_vnets(tgt, lay):
    """{td_tid: td_vnet} of every thread of every process on allproc."""
    kd = tgt.kd
    if lay.allproc is None or lay.p_next is None or not lay.p_threads \
            or lay.td_next is None:
        return {}
    first = kd.read_pointers(lay.allproc, 1)[0]
    procs = kd.walk_list(first, lay.p_next) if first else []
    tds = []
    for got in kd.read_fields(procs, [lay.p_threads]):
        if got is not None and got[0]:
            tds.extend(kd.walk_list(got[0], lay.td_next))
    return _thread_vnets(kd, lay, tds)


def thread_vnet(tid):
    """td_vnet of the thread whose td_tid is tid, on a CPU or not (its
    CPU's curthread, else allproc), or None when no thread has that tid."""
    tgt = target.current()
    lay = _threads(tgt)
    if not lay.td_tid or not lay.td_vnet:
        return None
    stopped = _stopped(tgt)
    if stopped.curthreads is None:
        stopped.curthreads = _curthread_vnets(tgt, lay)
    if tid in stopped.curthreads:
        return stopped.curthreads[tid]
    if stopped.threads is None:
        stopped.threads = _allproc_vnets(tgt, lay)
    return stopped.threads.get(tid)


def default_stack():
    """The selected thread's td_vnet (whether or not it runs on a CPU),
    else vnet0: the stack a VNET variable means by default, as FreeBSD 15's
    $V decides it."""
    tid = default_cpu.selected_tid()
    stopped = _stopped(target.current())
    stack = stopped.defaults.get(tid)
    if stack is None:
        vnet = thread_vnet(tid) if tid is not None else None
        stack = stopped.defaults[tid] = stopped.vnets.default(vnet)
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
        base = stack.checked_base()
        modules.place(kd, self.address, "set_vnet")
        try:
            return kd.vnet_addr(self.address, base)
        except KvmError as err:
            better = modorigin.module_error(self.name, self.address,
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


def short_name(name):
    name = name.strip()
    if name.startswith("V_"):
        name = name[2:]
    if name.startswith(VNET_PREFIX):
        name = name[len(VNET_PREFIX):]
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
        cands = [name] if name.startswith(VNET_PREFIX) else [VNET_PREFIX + short, name]
    else:
        cands = [short] if name.startswith(("V_", VNET_PREFIX)) else [name]
    for cand in cands:
        found = symtab.variable(cand)
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
    return symtab.symbol_address(VNET_PREFIX + short_name(name)) is not None


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
                and (vnet_text is not None or text.startswith(("V_", VNET_PREFIX))
                     or symtab.variable(text) is None)):
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
    if text in (BASE_NAME, "all") or vnets.is_address(text):
        return
    if any(name == text for name, _ in jails()):
        return
    raise gdb.GdbError("No jail named \"%s\"." % text)


def jail_names():
    """The jail names, for completion ([] when they cannot be read)."""
    try:
        return [name for name, _ in jails()]
    except (gdb.error, gdb.GdbError, KvmError, ModelError):
        return []


def complete_vnets(text, word):
    """Completions of the VNET item that ends text: all, vnet0, jail names
    (vnet-print's VNETS, counter-fetch -V)."""
    current_word = text.split()[-1] if text and not text[-1].isspace() else ""
    current_word = current_word.rsplit(",", 1)[-1]
    keep = len(current_word) - len(word)
    if keep < 0:
        return []
    names = ["all", BASE_NAME] + jail_names()
    return [n[keep:] for n in names if n.startswith(current_word)]


def complete_name(word):
    """Completions of a VNET variable name: x and vnet_entry_x."""
    return symbols.complete_prefixed(word, VNET_PREFIX)
