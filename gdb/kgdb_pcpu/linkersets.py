"""The symbol names of the kernel's linker-set variables.

DPCPU_DEFINE(type, x) makes the symbol pcpu_entry_x in section set_pcpu,
VNET_DEFINE(type, x) the symbol vnet_entry_x in section set_vnet
(docs/FREEBSD.md, "DPCPU" and "VNET variables").  Users say x.
"""

DPCPU_PREFIX = "pcpu_entry_"
VNET_PREFIX = "vnet_entry_"
