"""VNET without GDB: the network stacks and jails of a VIMAGE kernel.

VNET_DEFINE(type, x) makes the symbol vnet_entry_x in the section set_vnet,
a template: stack V's copy of x is at &vnet_entry_x + V->vnet_data_base
(the core's kd.vnet_addr).  The stacks are vnet0 (the base one) and the
struct vnets on vnet_head; each jail of allprison uses its pr_vnet; a
struct vnet is one when its vnet_magic_n is the VNET_MAGIC_N of its era.
docs/FREEBSD.md, "VNET and jails".

The one model of these, used by the GDB layer (vnet.py) and the command
line (elfvnet.py): each gives a Layout of plain numbers from its debug info
(GDB's types, the ELF kernel's DWARF), and the core walks the lists and
reads the fields (kd.read_pointers, kd.walk_list, kd.read_fields).
"""

import re

from .ddb import pointer
from .linkersets import VNET_PREFIX
from .modelerror import ModelError

BASE_NAME = "vnet0"
# VNET_MAGIC_N of sys/net/vnet.h changed when struct vnet gained
# vnet_shutdown (13.0): the struct tells which, never the release.
MAGIC = 0x5e4a6f28
MAGIC_12 = 0x3e0d8f29
NOT_VIMAGE = ("this kernel is not built with options VIMAGE (no vnet0): its "
              "network stack variables are plain globals")

_INT = re.compile(r"(0[xX][0-9a-fA-F]+|\d+)\Z")


def expected_magic(has_shutdown):
    """The vnet_magic_n vnet_alloc() stores in a struct vnet that has
    (or lacks) vnet_shutdown."""
    return MAGIC if has_shutdown else MAGIC_12


class Layout:
    """Where the lists and fields are, from the debug info: the addresses
    of the globals vnet0, prison0 and of the first pointers of vnet_head
    and allprison (None when missing), the offset of each list's link in
    its element (vnet_next, pr_next), and the read_fields specs (offset,
    size, kind) of the members read (None when missing)."""

    def __init__(self, vnet0=None, vnet_head=None, vnet_next=None,
                 data_base=None, magic=None, has_shutdown=False,
                 allprison=None, pr_next=None, pr_name=None, pr_vnet=None,
                 prison0=None):
        self.vnet0 = vnet0
        self.vnet_head = vnet_head
        self.vnet_next = vnet_next
        self.data_base = data_base
        self.magic = magic
        self.expected_magic = expected_magic(has_shutdown)
        self.allprison = allprison
        self.pr_next = pr_next
        self.pr_name = pr_name
        self.pr_vnet = pr_vnet
        self.prison0 = prison0


class Stack:
    """One network stack: its struct vnet and vnet_data_base (None when
    the struct cannot be read)."""

    def __init__(self, owner, address, data_base, label=None):
        self.owner = owner
        self.address = address
        self.data_base = data_base
        self.label = label          # how the user named it, if they did

    def checked_base(self):
        """vnet_data_base, or the ModelError saying why there is none."""
        if self.data_base is None:
            return self.owner.data_base(self.address)
        return self.data_base

    def names(self):
        """vnet0 for the base stack, then the jails whose pr_vnet it is."""
        return self.owner.names(self.address)

    def name(self):
        """How a block of output names it: the label it was asked by, else
        vnet0, its first jail, or its address."""
        if self.label:
            return self.label
        names = self.names()
        return names[0] if names else "0x%x" % self.address


class Vnets:
    """The stacks and jails of a kernel, as read once (make another after
    the target ran or its memory was written)."""

    def __init__(self, kd, layout):
        self.kd = kd
        self.layout = layout
        self.vimage = layout.vnet0 is not None
        self._base = None
        self._read = {}             # struct vnet address -> row or None
        self._checked = {}          # struct vnet address -> its Stack
        self._stacks = None
        self._jails = None

    def _walk(self, head, link):
        """The elements of the sys/queue.h list whose first pointer is at
        head, linked by the pointer at offset link in each."""
        if head is None or link is None:
            return []
        first = self.kd.read_pointers(head, 1)[0]
        return self.kd.walk_list(first, link) if first else []

    def base(self):
        """The struct vnet of the base stack (the value of vnet0)."""
        if self._base is None:
            if self.layout.vnet0 is None:
                raise ModelError("No symbol \"%s\" in the kernel." % BASE_NAME)
            self._base = self.kd.read_pointers(self.layout.vnet0, 1)[0]
        return self._base

    def _read_vnets(self, addresses):
        """Read vnet_data_base and vnet_magic_n of each struct vnet at
        addresses (None for an unreadable one)."""
        todo = [a for a in addresses if a not in self._read]
        if not todo:
            return
        lay = self.layout
        if lay.data_base is None:
            raise ModelError("no struct vnet with vnet_data_base in the "
                             "debug info")
        fields = [lay.data_base] + ([lay.magic] if lay.magic else [])
        for addr, got in zip(todo, self.kd.read_fields(todo, fields)):
            self._read[addr] = got

    def data_base(self, address):
        """vnet_data_base of the struct vnet at address, after checking that
        it is one (its vnet_magic_n, as this kernel's struct vnet sets it)."""
        if address == 0:
            raise ModelError("the vnet is NULL")
        self._read_vnets([address])
        got = self._read[address]
        if got is None:
            raise ModelError("0x%x is not a struct vnet: cannot read memory "
                             "there" % address)
        expected = self.layout.expected_magic
        if len(got) > 1 and got[1] != expected:
            raise ModelError("0x%x is not a struct vnet (vnet_magic_n is "
                             "0x%x, not 0x%x)" % (address, got[1], expected))
        return got[0]

    def jails(self):
        """[(jail name, its pr_vnet)] of allprison, in list order (an
        unreadable jail as its address, without a vnet)."""
        if self._jails is None:
            lay = self.layout
            found = []
            prisons = self._walk(lay.allprison, lay.pr_next)
            if prisons and lay.pr_name and lay.pr_vnet:
                rows = self.kd.read_fields(prisons, [lay.pr_name, lay.pr_vnet])
                for addr, got in zip(prisons, rows):
                    found.append(tuple(got) if got is not None
                                 else ("0x%x" % addr, 0))
            self._jails = found
        return self._jails

    def prison0_name(self):
        """pr_name of prison0 (the host, "0"), or None."""
        lay = self.layout
        if lay.prison0 is None or not lay.pr_name:
            return None
        got = self.kd.read_fields([lay.prison0], [lay.pr_name])[0]
        return got[0] if got else None

    def names(self, address):
        """vnet0 for the base stack, then the jails whose pr_vnet it is."""
        names = [BASE_NAME] if address == self.base() else []
        return names + [n for n, v in self.jails() if v == address]

    def stack_at(self, address, label=None):
        """The Stack of the struct vnet at address (checked once)."""
        stack = self._checked.get(address)
        if stack is None:
            stack = self._checked[address] = Stack(self, address,
                                                   self.data_base(address))
        return Stack(self, address, stack.data_base, label) if label else stack

    def stacks(self):
        """Every stack: vnet0 first, then vnet_head from the oldest
        (vnet_alloc() inserts at the head of vnet_head)."""
        if self._stacks is None:
            lay = self.layout
            base = self.base()
            addrs = list(reversed(self._walk(lay.vnet_head, lay.vnet_next)))
            addrs = [base] + [a for a in addrs if a != base]
            self._read_vnets(addrs)
            self._stacks = [Stack(self, a, (self._read[a] or (None,))[0])
                            for a in addrs]
        return self._stacks

    def resolve(self, text):
        """The Stack a user names: a jail's name, vnet0, the host's jail name
        (prison0, "0"), or a struct vnet address.  A jail's name comes first,
        as FreeBSD's $V looks strings up in allprison only."""
        text = text.strip()
        if not text:
            raise ModelError("a VNET is required (vnet0, a jail name or a "
                             "struct vnet address)")
        known = self.jails()
        for name, vnet in known:
            if name == text:
                if vnet == 0:
                    raise ModelError("jail \"%s\" has no vnet" % text)
                return self.stack_at(vnet, text)
        if text == BASE_NAME or text == self.prison0_name():
            return self.stack_at(self.base(), BASE_NAME)
        if _INT.match(text):
            return self.stack_at(int(text, 0))
        names = ", ".join([BASE_NAME] + [n for n, _ in known])
        raise ModelError("No jail named \"%s\" (vnets: %s, or a struct vnet "
                         "address)" % (text, names))

    def default(self, td_vnet):
        """The stack a VNET variable means by default: td_vnet of the
        thread that stands for "now" (GDB's selected thread, a dump's
        dumping thread) when it has one, else vnet0 (FreeBSD 15's $V)."""
        if td_vnet:
            return self.stack_at(td_vnet)
        return self.stack_at(self.base(), BASE_NAME)


def is_address(text):
    """Whether text is a number a user gives as a struct vnet address."""
    return _INT.match(text.strip()) is not None


def list_line(stack):
    """vnet-list's line of a stack: its struct vnet, its vnet_data_base
    ("?" when unreadable), the names that use it ("-" for none)."""
    names = stack.names()
    return "%s vnet_data_base %s %s" % (
        pointer(stack.address),
        "?" if stack.data_base is None else pointer(stack.data_base),
        ",".join(names) if names else "-")
