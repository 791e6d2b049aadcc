"""VNET commands: vnet-list, vnet-print."""

import gdb

from . import target, vnet, vnets
from .args import parse_format, take_word
from .errors import one_line, user_errors
from .fmt import format_value
from .modelerror import ModelError
from ._kvm import KvmError


class VnetListCommand(gdb.Command):
    """List the virtual network stacks (vnets) of a VIMAGE kernel.

Usage: vnet-list

One line per vnet (struct vnet on vnet_head), the base stack first, then in
the order they were created: the address of its struct vnet, its
vnet_data_base (where its copy of the set_vnet section is, relative to the
section), and the names of the jails that use it; "vnet0" names the base
stack, which also serves the jails without a vnet of their own.

Example:
  vnet-list

See "help kgdb-pcpu" for every per-CPU command and function."""

    def __init__(self):
        super().__init__("vnet-list", gdb.COMMAND_DATA, gdb.COMPLETE_NONE)

    @user_errors
    def invoke(self, arg, from_tty):
        if arg.strip():
            raise gdb.GdbError("vnet-list takes no argument")
        if not vnet.vimage():
            raise gdb.GdbError(vnets.NOT_VIMAGE)
        gdb.write("".join(vnets.list_line(st) + "\n" for st in vnet.stacks()))


def parse_vnets(text):
    """A VNETS argument: all (the default), or a comma-separated list of
    vnet0, jail names and struct vnet addresses: the list of Stacks."""
    text = text.strip()
    if text in ("", "all", "a"):
        return vnet.stacks()
    out = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise gdb.GdbError("empty item in the VNET list \"%s\"" % text)
        if item in ("all", "a"):
            out.extend(vnet.stacks())
        else:
            out.append(vnet.resolve(item))
    return out


class VnetPrintCommand(gdb.Command):
    """Print a VNET (virtual network stack) variable in each vnet.

Usage: vnet-print [/FMT] NAME [VNETS]

NAME is the variable as VNET_DEFINE names it (foo), as the kernel's code
reads it (V_foo) or its symbol (vnet_entry_foo).  The kernel's set_vnet
section is only a template: vnet V's copy is at &vnet_entry_foo +
V->vnet_data_base, which is what is printed (a module's variable is first
relocated to the kernel's copy of the module's set_vnet).

VNETS is all (the default: every vnet on vnet_head), or a comma-separated
list of vnet0 (the base stack), jail names (the jail's pr_vnet) and struct
vnet addresses.  Each value is printed as print prints it (set print pretty
and the other print settings apply) after "vnet NAME: ", NAME being the jail
name, vnet0 for the base stack, or the address.

FMT is a print format letter (x, d, u, o, t, a, c, f, s, z) and/or r (raw).

On a kernel without options VIMAGE, NAME is a plain global: it is printed
once, as "vnet vnet0: ".

Examples:
  vnet-print ipforwarding
  vnet-print /x V_ipforwarding web,db
  vnet-print tcpstat vnet0

See "help kgdb-pcpu" for every per-CPU command and function."""

    def __init__(self):
        super().__init__("vnet-print", gdb.COMMAND_DATA)

    @user_errors
    def invoke(self, arg, from_tty):
        fmt, raw, rest = parse_format(arg)
        name, rest = take_word(rest)
        if not name:
            raise gdb.GdbError("Usage: vnet-print [/FMT] NAME [VNETS]")
        var = vnet.lookup(name)
        if not vnet.vimage():
            self._plain(var, rest, fmt, raw)
            return
        stacks = parse_vnets(rest)
        kd = target.kvm()
        if stacks:
            var.addr(kd, stacks[0])     # not a VNET variable: one line
        for st in stacks:
            try:
                text = format_value(var.value(kd, st), fmt, raw)
            except (gdb.MemoryError, KvmError, ModelError) as err:
                text = "<error: %s>" % one_line(err)
            gdb.write("vnet %s: %s\n" % (st.name(), text))

    @staticmethod
    def _plain(var, rest, fmt, raw):
        labels = [item.strip() for item in rest.split(",")] if rest.strip() else []
        for label in labels:
            vnet.resolve_plain(label)
        value = gdb.Value(var.address).cast(var.type.pointer()).dereference()
        text = format_value(value, fmt, raw)
        shown = [l for l in labels if l not in ("all", "a")] or [vnet.BASE_NAME]
        for label in shown:
            gdb.write("vnet %s: %s\n" % (label, text))

    def complete(self, text, word):
        if word is None:
            return []
        before = text[:len(text) - len(word)].split()
        args = [w for w in before if not w.startswith("/")]
        try:
            if not args:
                if not vnet.vimage():
                    return gdb.COMPLETE_SYMBOL  # plain globals
                return vnet.complete_name(word)
            return vnet.complete_vnets(text, word)
        except (gdb.error, KvmError, ModelError):
            return []


VnetListCommand()
VnetPrintCommand()
