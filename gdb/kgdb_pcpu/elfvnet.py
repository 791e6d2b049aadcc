"""The network stacks of a VIMAGE kernel in an ELF dump, without GDB.

vnet0, vnet_head and the jails of allprison, read through the core
(read_pointers, walk_list, read_fields) with the members' offsets from the
kernel's DWARF.  The lists, the vnet_magic_n values of each release and
where the default stack comes from are in docs/FREEBSD.md ("VNET and
jails").
"""

import re

from .elfkernel import UserError

# VNET_MAGIC_N of a struct vnet with vnet_shutdown (13.x and later) and of
# one without it (12.x and older): the struct tells which, never the release.
MAGIC = 0x5e4a6f28
MAGIC_12 = 0x3e0d8f29


class Vnets:
    """vnet0, vnet_head and the jails of allprison of kern (an
    elfkernel.Kernel)."""

    def __init__(self, kern):
        self.kern = kern
        self.vimage = kern.symbol("vnet0") is not None

    def _list(self, head, tag, link):
        """The elements of the sys/queue.h list whose head is the global
        head: its first pointer, then each element's link (the entry's
        first pointer is its next)."""
        addr = self.kern.symbol(head)
        member = self.kern.member(tag, link)
        if addr is None or member is None:
            return []
        first = self.kern.kd.read_pointers(addr, 1)[0]
        return self.kern.kd.walk_list(first, member[1])

    def jails(self):
        """[(name, pr_vnet)] of allprison, in list order."""
        prisons = self._list("allprison", "prison", "pr_list")
        rows = self.kern.read(prisons, "prison", ["pr_name", "pr_vnet"])
        return [(r["pr_name"], r.get("pr_vnet", 0)) for r in rows if r]

    def base(self):
        """vnet0: the struct vnet of the base system."""
        return self.kern.global_int("vnet0")

    def stacks(self):
        """[(address, vnet_data_base, names)]: vnet0 first, then vnet_head
        oldest first (vnet_alloc inserts at its head)."""
        base = self.base()
        addrs = [a for a in reversed(self._list("vnet_head", "vnet", "vnet_le"))
                 if a != base]
        addrs.insert(0, base)
        users = {}
        for name, vnet in self.jails():
            users.setdefault(vnet, []).append(name)
        rows = self.kern.read(addrs, "vnet", ["vnet_data_base"])
        return [(a, (r or {}).get("vnet_data_base"),
                 (["vnet0"] if a == base else []) + users.get(a, []))
                for a, r in zip(addrs, rows)]

    def data_base(self, addr):
        """vnet_data_base of the struct vnet at addr, after its magic."""
        with_shutdown = self.kern.member("vnet", "vnet_shutdown") is not None
        magic = MAGIC if with_shutdown else MAGIC_12
        row = self.kern.read([addr], "vnet", ["vnet_magic_n",
                                              "vnet_data_base"])[0]
        if not addr or row is None:
            raise UserError("0x%x is not a struct vnet: cannot read memory "
                            "there" % addr)
        if row.get("vnet_magic_n", magic) != magic:
            raise UserError("0x%x is not a struct vnet (vnet_magic_n is 0x%x, "
                            "not 0x%x)" % (addr, row["vnet_magic_n"], magic))
        return row["vnet_data_base"]

    def resolve(self, text):
        """The vnet_data_base of vnet0 (or prison0's name, "0"), a jail's
        name or an address."""
        prison0 = self.kern.read([self.kern.symbol("prison0") or 0], "prison",
                                 ["pr_name"])[0]
        if text == "vnet0" or (prison0 and text == prison0.get("pr_name")):
            return self.data_base(self.base())
        known = self.jails()
        for name, vnet in known:
            if name == text:
                if not vnet:
                    raise UserError("jail \"%s\" has no vnet" % text)
                return self.data_base(vnet)
        if re.match(r"(0[xX][0-9a-fA-F]+|\d+)\Z", text):
            return self.data_base(int(text, 0))
        raise UserError("No jail named \"%s\" (vnets: %s, or a struct vnet "
                        "address)" % (text, ", ".join(
                            ["vnet0"] + [n for n, _v in known])))

    def default(self):
        """The dumping thread's td_vnet, else vnet0."""
        found = self.kern.dump_thread()
        if found is not None:
            row = self.kern.read([found[0]], "thread", ["td_vnet"])[0]
            if row and row.get("td_vnet"):
                return self.data_base(row["td_vnet"])
        return self.data_base(self.base())
