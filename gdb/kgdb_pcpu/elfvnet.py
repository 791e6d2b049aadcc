"""The network stacks of a VIMAGE kernel in an ELF dump, without GDB.

vnets.py's model (vnet0, vnet_head, the jails of allprison, the
vnet_magic_n check) over a Layout taken from the kernel's DWARF, and the
default stack: the dumping thread's td_vnet, else vnet0 (docs/FREEBSD.md,
"VNET and jails").
"""

from . import vnets


def _link(kern, tag, entry):
    """The offset of the next pointer of the sys/queue.h entry member of
    struct tag (the entry's first pointer), or None."""
    member = kern.member(tag, entry)
    return None if member is None else member[1]


def of(kern):
    """The vnets.Vnets of kern (an elfkernel.Kernel).  A list head's first
    pointer is at the head's own address."""
    layout = vnets.Layout(
        vnet0=kern.symbol(vnets.BASE_NAME),
        vnet_head=kern.symbol("vnet_head"),
        vnet_next=_link(kern, "vnet", "vnet_le"),
        data_base=kern.field("vnet", "vnet_data_base"),
        magic=kern.field("vnet", "vnet_magic_n"),
        has_shutdown=kern.member("vnet", "vnet_shutdown") is not None,
        allprison=kern.symbol("allprison"),
        pr_next=_link(kern, "prison", "pr_list"),
        pr_name=kern.field("prison", "pr_name"),
        pr_vnet=kern.field("prison", "pr_vnet"),
        prison0=kern.symbol("prison0"))
    return vnets.Vnets(kern.kd, layout)


def default(kern, stacks):
    """The default Stack of stacks (vnets.Vnets): the dumping thread's
    td_vnet, else vnet0."""
    found = kern.dump_thread()
    td_vnet = None
    if found is not None:
        row = kern.read([found[0]], "thread", ["td_vnet"])[0]
        td_vnet = row.get("td_vnet") if row else None
    return stacks.default(td_vnet)
