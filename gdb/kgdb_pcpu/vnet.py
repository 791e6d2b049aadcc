"""VNET: the virtual network stacks of a VIMAGE kernel, and their variables.

VNET_DEFINE(type, x) makes the symbol vnet_entry_x in the section set_vnet,
a template (sys/net/vnet.h): stack V's copy of x is at
&vnet_entry_x + V->vnet_data_base, after a module's variable was relocated
to the kernel's copy of the module's set_vnet (modules.py).  The core does
that arithmetic and its checks (kd.vnet_addr); this module finds the
stacks: every struct vnet on vnet_head, vnet0 the base one, each jail's
pr_vnet (allprison), and the selected thread's td_vnet.

Without options VIMAGE, VNET_DEFINE makes a plain global named x, and the
kernel has no vnet0: every name here is then the plain global.
"""

import re

import gdb

from . import default_cpu, modules, symbols, target
from .common import string_arg
from ._kvm import KvmError

PREFIX = "vnet_entry_"
VNET_MAGIC_N = 0x5e4a6f28       # sys/net/vnet.h
BASE_NAME = "vnet0"
_MAX_LIST = 1000000

_INT = re.compile(r"(0[xX][0-9a-fA-F]+|\d+)\Z")


def vimage():
    """Whether the kernel was built with options VIMAGE (it has vnet0).

    Kept on the handle's Target, which is rebuilt when the symbols change."""
    tgt = target.current()
    known = getattr(tgt, "vnet_vimage", None)
    if known is None:
        known = tgt.vnet_vimage = target.symbol_address("vnet0") is not None
    return known


def _global(name):
    sym = target._lookup_symbol(name)
    if sym is None or sym.needs_frame:
        raise gdb.GdbError("No symbol \"%s\" in the kernel." % name)
    return sym.value()


def _vnet_ptr_type():
    vnet_type = target.lookup_struct("vnet")
    if vnet_type is None:
        raise gdb.GdbError("no struct vnet in the debug info")
    return vnet_type.pointer()


def _has_field(gtype, name):
    try:
        return any(f.name == name for f in gtype.strip_typedefs().fields())
    except (TypeError, gdb.error):
        return False


def _walk(first, link, next_name):
    """The elements of a sys/queue.h list from its first element."""
    seen = set()
    elm = first
    while int(elm) != 0:
        addr = int(elm)
        if addr in seen or len(seen) >= _MAX_LIST:
            raise gdb.GdbError("list loops at 0x%x" % addr)
        seen.add(addr)
        yield elm
        elm = elm[link][next_name]


class Stack:
    """One network stack: its struct vnet, vnet_data_base and users."""

    def __init__(self, address, data_base, is_base, jails):
        self.address = address
        self.data_base = data_base
        self.is_base = is_base          # vnet0
        self.jails = jails              # names of the jails whose pr_vnet it is
        self.label = None               # set by the caller when named

    def names(self):
        """vnet0 for the base stack, then the jails using it."""
        return ([BASE_NAME] if self.is_base else []) + self.jails

    def name(self):
        """How a block of output names it: the label it was asked by, else
        vnet0, its first jail, or its address."""
        if self.label:
            return self.label
        names = self.names()
        return names[0] if names else "0x%x" % self.address


def jails():
    """[(jail name, its pr_vnet address)] of allprison, in list order."""
    if target.symbol_address("allprison") is None:
        return []
    out = []
    for pr in _walk(_global("allprison")["tqh_first"], "pr_list", "tqe_next"):
        try:
            name = pr["pr_name"].string(length=-1)
        except (gdb.error, UnicodeDecodeError):
            name = "0x%x" % int(pr)
        vnet = int(pr["pr_vnet"]) if _has_field(pr.type.target(), "pr_vnet") else 0
        out.append((name, vnet))
    return out


def _prison0_name():
    """pr_name of prison0, the host ("0"), or None."""
    if target.symbol_address("prison0") is None:
        return None
    try:
        return _global("prison0")["pr_name"].string(length=-1)
    except (gdb.error, UnicodeDecodeError):
        return None


def _data_base(address):
    vnet = gdb.Value(address).cast(_vnet_ptr_type()).dereference()
    return int(vnet["vnet_data_base"])


def check_vnet(address):
    """KvmError unless address holds a struct vnet (its vnet_magic_n)."""
    if address == 0:
        raise gdb.GdbError("the vnet is NULL")
    vnet = gdb.Value(address).cast(_vnet_ptr_type()).dereference()
    if _has_field(vnet.type, "vnet_magic_n"):
        try:
            magic = int(vnet["vnet_magic_n"])
        except gdb.MemoryError:
            raise gdb.GdbError("0x%x is not a struct vnet: cannot read memory "
                               "there" % address) from None
        if magic != VNET_MAGIC_N:
            raise gdb.GdbError("0x%x is not a struct vnet (vnet_magic_n is "
                               "0x%x, not 0x%x)" % (address, magic,
                                                    VNET_MAGIC_N))


def base_address():
    return int(_global("vnet0"))


def stacks():
    """Every stack: vnet0 first, then vnet_head in creation order.

    vnet_alloc() inserts at the head of vnet_head, so the list runs from
    the newest stack to the oldest."""
    base = base_address()
    addrs = []
    if target.symbol_address("vnet_head") is not None:
        addrs = [int(v) for v in _walk(_global("vnet_head")["lh_first"],
                                       "vnet_le", "le_next")]
        addrs.reverse()
    if base in addrs:
        addrs.remove(base)
    addrs.insert(0, base)
    users = {}
    for name, vnet in jails():
        users.setdefault(vnet, []).append(name)
    return [Stack(a, _data_base(a), a == base, users.get(a, [])) for a in addrs]


def stack_at(address, label=None):
    """The Stack of the struct vnet at address."""
    check_vnet(address)
    for st in stacks():
        if st.address == address:
            st.label = label
            return st
    st = Stack(address, _data_base(address), False, [])
    st.label = label
    return st


def resolve(text):
    """The Stack a user names: vnet0, a jail's name, or a vnet address."""
    text = text.strip()
    if not text:
        raise gdb.GdbError("a VNET is required (vnet0, a jail name or a "
                           "struct vnet address)")
    if text == BASE_NAME or text == _prison0_name():
        return stack_at(base_address(), BASE_NAME)
    known = jails()
    for name, vnet in known:
        if name == text:
            if vnet == 0:
                raise gdb.GdbError("jail \"%s\" has no vnet" % text)
            return stack_at(vnet, text)
    if _INT.match(text):
        return stack_at(int(text, 0))
    names = ", ".join([BASE_NAME] + [n for n, _ in known])
    raise gdb.GdbError("No jail named \"%s\" (vnets: %s, or a struct vnet "
                       "address)" % (text, names))


def resolve_value(value):
    """The Stack a function argument names: a string, or a struct vnet
    pointer (or address)."""
    text = string_arg(value)
    if text is not None:
        return resolve(text)
    gtype = value.type.strip_typedefs()
    if gtype.code == gdb.TYPE_CODE_STRUCT and value.address is not None:
        return stack_at(int(value.address))
    if gtype.code in (gdb.TYPE_CODE_PTR, gdb.TYPE_CODE_INT):
        return stack_at(int(value) & ((1 << 64) - 1))
    raise gdb.GdbError("VNET must be a struct vnet * or a jail name, not "
                       "type %s" % value.type)


def default_stack():
    """The selected thread's td_vnet when it runs on a CPU and has one
    (curvnet), else vnet0: the stack a VNET variable means by default."""
    tgt = target.current()
    tid = default_cpu.selected_tid()
    if tid is not None:
        cpu = default_cpu.cpu_of_thread(tgt, tid)
        if cpu is not None:
            try:
                td = tgt.pcpu_value(cpu)["pc_curthread"]
                if int(td) != 0 and _has_field(td.type.target(), "td_vnet"):
                    vnet = int(td["td_vnet"])
                    if vnet != 0:
                        return stack_at(vnet)
            except (gdb.error, KvmError):
                pass
    return stack_at(base_address(), BASE_NAME)


# --- Variables. -------------------------------------------------------------


class VnetVar:
    """A VNET variable: its symbol, type and template address (VIMAGE), or
    a plain global (without VIMAGE: value is then the global itself)."""

    def __init__(self, name, gtype, address, plain):
        self.name = name
        self.type = gtype
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
        """stack's copy, an lvalue."""
        return self.pointer(kd, stack).dereference()

    def pointer(self, kd, stack):
        return gdb.Value(self.addr(kd, stack)).cast(self.type.pointer())

    def cast_text(self, address):
        """A plain GDB expression of the object of this type at address."""
        text = str(self.type.pointer())
        if not text or "{" in text or "<" in text:
            return None
        return "(*(%s)0x%x)" % (text, address)


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
    VIMAGE the plain global x."""
    name = name.strip()
    if not re.match(r"[A-Za-z_][A-Za-z0-9_]*\Z", name):
        raise gdb.GdbError("invalid VNET variable name \"%s\"" % name)
    short = short_name(name)
    if vimage():
        cands = [name] if name.startswith(PREFIX) else [PREFIX + short, name]
    else:
        cands = [short] if name.startswith(("V_", PREFIX)) else [name]
    for cand in cands:
        var = symbols._symbol_var(cand)
        if var is not None:
            return VnetVar(cand, var.type, var.address, not vimage())
    for cand in cands:
        if target.symbol_address(cand) is not None:
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
    return target.symbol_address(PREFIX + short_name(name)) is not None


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
                     or symbols._symbol_var(text) is None)):
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
    """Without VIMAGE every jail shares the one stack: a VNET argument must
    still name vnet0, a jail or an address."""
    text = text.strip()
    if text in (BASE_NAME, "all") or _INT.match(text):
        return
    if any(name == text for name, _ in jails()):
        return
    raise gdb.GdbError("No jail named \"%s\"." % text)


def jail_names():
    try:
        return [name for name, _ in jails()]
    except (gdb.error, gdb.GdbError, KvmError):
        return []


def complete_name(word):
    """Completions of a VNET variable name: x and vnet_entry_x."""
    return symbols.complete_prefixed(word, PREFIX)
