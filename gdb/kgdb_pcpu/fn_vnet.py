"""$V: a VNET variable of a vnet, as FreeBSD 15's sys/tools/gdb defines it."""

import gdb

from . import target, vnet
from .errors import user_errors


class VFunction(gdb.Function):
    """Return a VNET (virtual network stack) variable of a vnet.

Usage: $V(NAME [, VNET])

FreeBSD 15's function (sys/tools/gdb), with the same results: both may be
loaded, in either order.

Arguments:
  NAME: a string, the variable as VNET_DEFINE names it ("foo") or as the
  kernel's code reads it ("V_foo"); also its symbol ("vnet_entry_foo").
  A value that is not a string is the variable itself (vnet_entry_foo).
  VNET: a struct vnet * (vnet0, allprison.tqh_first->pr_vnet, an address)
  or a string naming a jail (a jail's pr_name; "vnet0" names the base
  stack unless a jail has that name).  Without it, the selected thread's
  vnet (its td_vnet, whether or not it runs on a CPU), else vnet0.
  A string is anything GDB prints as one: "web", $name, a char array or
  char pointer of the program (allprison.tqh_first->pr_name).

Returns:
  The vnet's copy of the variable (&vnet_entry_foo + vnet_data_base, not the
  template in set_vnet), an lvalue:
  p $V("ipforwarding")   p $V("tcpstat", "web")[3]   p &$V("foo", vnet0)
  p $counter($V("tcpstat", "db")[0])
  On a kernel without options VIMAGE, the plain global NAME; VNET is then
  accepted and ignored, as FreeBSD's $V does.

See "help kgdb-pcpu" for every per-CPU command and function."""

    def __init__(self):
        super().__init__("V")

    @user_errors
    def invoke(self, *args):
        if not 1 <= len(args) <= 2:
            raise gdb.GdbError("Usage: $V(NAME [, VNET])")
        kd = target.kvm()
        name = vnet.string_like(args[0])
        var = (vnet.lookup(name) if name is not None
               else vnet.from_value(args[0]))
        if var.plain:
            return var.value(kd, None)
        stack = (vnet.resolve_value(args[1]) if len(args) > 1
                 else vnet.default_stack())
        return var.value(kd, stack)


VFunction()
