"""Build the CPython extension kgdb_pcpu._kvm from native/ (make runs this)."""

import glob

from setuptools import Extension, setup

# The core (kp_*.c, kvm_compat.c) and its binding (py_*.c); no other sources.
SOURCES = sorted(glob.glob("native/kp_*.c")) + ["native/kvm_compat.c"] + sorted(glob.glob("native/py_*.c"))

setup(
    name="kgdb-pcpu",
    version="0.1.0",
    description="FreeBSD per-CPU data (pcpu, DPCPU, counter(9)) for GDB/kgdb",
    package_dir={"": "gdb"},
    packages=["kgdb_pcpu"],
    package_data={"kgdb_pcpu": ["_kvm.pyi"]},
    ext_modules=[
        Extension(
            "kgdb_pcpu._kvm",
            sources=SOURCES,
            include_dirs=["native"],
            libraries=["elf", "dw"],
            extra_compile_args=["-Wall", "-Wextra", "-Werror", "-std=gnu11"],
        )
    ],
)
