# kgdb-pcpu: FreeBSD per-CPU data for GDB/kgdb.
#
#   make demo   build, make the default fixture dump, show a GDB session on it
#   make test   build and run the whole test suite
#   make test-gdb16   the suite again under Debian 13's GDB 16 (a chroot)
#
# Both install what is missing first (make deps: Debian packages, as root or
# through sudo).

# The Python that GDB embeds: the extension must be built for it.
GDB ?= gdb
PYTHON = $(shell $(GDB) -nx -batch -ex 'python import sysconfig as s; print(s.get_config_var("BINDIR") + "/python" + s.get_config_var("VERSION"))' 2>/dev/null || echo /usr/bin/python3)

CC ?= cc
CFLAGS ?= -O2 -g
WARNFLAGS = -Wall -Wextra -Werror -std=gnu11
CORE_SRCS = $(sort $(wildcard native/kp_*.c)) native/kvm_compat.c
CORE_OBJS = $(CORE_SRCS:native/%.c=build/native/%.o)
EXT_SRCS = $(CORE_SRCS) $(wildcard native/py_*.c) $(wildcard native/*.h)

# What the build and the suite need (make test-gdb16's Debian 13 root has
# these too), then what only the host needs: the fuzzer and the sanitizers'
# runtimes (make fuzz, make test-asan) and debootstrap (make test-gdb16).
TEST_PACKAGES = gdb gdbserver python3-dev python3-pytest python3-pytest-xdist \
	python3-setuptools libelf-dev libdw-dev gcc make man-db mandoc
DEBIAN_PACKAGES ?= $(TEST_PACKAGES) clang libclang-rt-14-dev debootstrap

VMCORE_DIR = build/vmcores/amd64-15.0
PYTEST_ARGS ?= -q
TESTS ?= tests
# pytest-xdist: one worker per CPU, each test file on one worker (a file's
# module fixtures, its GDB runs, are made once).  PYTEST_JOBS=0: no workers.
PYTEST_JOBS ?= auto
PYTEST = $(PYTHON) -m pytest -n $(PYTEST_JOBS) --dist loadfile

FUZZ_SECONDS ?= 60

.PHONY: all deps lib ext vmcore demo test check gdb16-root test-gdb16 test-asan fuzz install uninstall clean bench bench-here bench-gdb16

all: lib ext

lib: build/libkgdbpcpu.a

build/native/%.o: native/%.c $(wildcard native/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARNFLAGS) -fPIC -c -o $@ $<

build/libkgdbpcpu.a: $(CORE_OBJS)
	ar rcs $@ $^

# In place: the module lands in gdb/kgdb_pcpu/, usable from the checkout,
# under the file name of $(PYTHON)'s ABI (another Python's build stays).
# setup.py links it in --build-lib and copies it from there when it finds it
# up to date: test-asan links in a directory of its own, or its build would
# come back here.
EXT_SO = gdb/kgdb_pcpu/_kvm$(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')
ext: $(EXT_SO)
$(EXT_SO): $(EXT_SRCS) setup.py
	@mkdir -p build
	$(PYTHON) setup.py -q build_ext --inplace --build-temp build/ext --build-lib build/ext/lib
	@touch $@

deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

vmcore: all
	$(PYTHON) vmcores/mkvmcore.py --shape amd64-15.0 --outdir $(VMCORE_DIR)

demo: deps
	@$(MAKE) --no-print-directory vmcore
	@echo
	@echo "== gdb $(VMCORE_DIR)/kernel $(VMCORE_DIR)/vmcore"
	@$(GDB) -nx -q -batch -x gdb/kgdb-pcpu.py -x examples/demo.gdb \
		$(VMCORE_DIR)/kernel $(VMCORE_DIR)/vmcore

test: deps
	@$(MAKE) --no-print-directory check

# The suite without make deps (what test-gdb16 runs inside its root).
# pytest exits 5 when it collects no test: make fails then too.
check: all
	$(PYTEST) $(PYTEST_ARGS) $(TESTS)

# The suite under the GDB kernel developers run: FreeBSD's kgdb is GDB 16 or
# newer.  A Debian 13 root, made once with debootstrap in build/gdb16/root,
# runs make check with its GDB 16, Python 3.13 and GCC 14.  Inside it the
# checkout is at the same path, but its build/ is build/gdb16/build: the
# native objects and the fixture dumps are its own, and the extension built
# in place has Python 3.13's file name, beside the host's.  The mounts live
# in a private mount namespace and go with it.
GDB16_DIR ?= build/gdb16
GDB16_ROOT ?= $(GDB16_DIR)/root
GDB16_SUITE = trixie
GDB16_MIRROR ?= http://deb.debian.org/debian

# The root, made once; what TEST_PACKAGES gains later is installed into it.
$(GDB16_ROOT)/.stamp:
	rm -rf $(GDB16_ROOT) $(GDB16_ROOT).tmp
	mkdir -p $(GDB16_DIR)
	debootstrap --variant=minbase --include=$(subst $(space),$(comma),$(strip $(TEST_PACKAGES))) \
		$(GDB16_SUITE) $(abspath $(GDB16_ROOT)).tmp $(GDB16_MIRROR)
	mv $(GDB16_ROOT).tmp $(GDB16_ROOT)
	touch $@
empty =
space = $(empty) $(empty)
comma = ,

# In the root, with the checkout and its build directory mounted: $(1).
# make deps there checks TEST_PACKAGES only (a test runs make install).
GDB16_RUN = unshare --mount --propagation private sh -ec ' \
	root=$(abspath $(GDB16_ROOT)); \
	mount --rbind /proc $$root/proc; \
	mount --rbind /dev $$root/dev; \
	mkdir -p $$root$(CURDIR); \
	mount --bind $(CURDIR) $$root$(CURDIR); \
	mount --bind $(abspath $(GDB16_DIR))/build $$root$(CURDIR)/build; \
	$(if $(FREEBSD_GDB),mkdir -p $$root$(abspath $(FREEBSD_GDB)); \
		mount --bind $(abspath $(FREEBSD_GDB)) $$root$(abspath $(FREEBSD_GDB));) \
	exec chroot $$root /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
		DEBIAN_PACKAGES="$(TEST_PACKAGES)" $(1)'

gdb16-root: deps
	@$(MAKE) --no-print-directory $(GDB16_ROOT)/.stamp
	@mkdir -p $(GDB16_DIR)/build
	@$(call GDB16_RUN,make -C $(CURDIR) --no-print-directory deps)

test-gdb16: gdb16-root
	$(call GDB16_RUN,make -C $(CURDIR) --no-print-directory check \
		PYTEST_ARGS="$(PYTEST_ARGS)" PYTEST_JOBS="$(PYTEST_JOBS)" TESTS="$(TESTS)")

# The benchmark (tests/bench/bench.py, not a test): one GDB session on the
# bench fixture dump, one on the fixture kernel live under gdbserver; with
# FREEBSD_GDB=DIR (FreeBSD's sys/tools: kernel-gdb.py and gdb/*.py, fetched
# by you), $PCPU and $V against FreeBSD's own on the same dump.  make
# bench-gdb16 runs it under GDB 16 (FreeBSD's $V with a vnet argument needs
# GDB 14 or newer).
BENCH_SHAPE ?= amd64-15.0-bench
BENCH_ARGS ?=
FREEBSD_GDB ?=
BENCH = $(PYTHON) tests/bench/bench.py --shape $(BENCH_SHAPE) \
	$(if $(FREEBSD_GDB),--freebsd-gdb $(abspath $(FREEBSD_GDB))) $(BENCH_ARGS)
bench: deps
	@$(MAKE) --no-print-directory bench-here

# make bench without deps (what bench-gdb16 runs inside the root).
bench-here: all
	$(BENCH)

bench-gdb16: gdb16-root
	$(call GDB16_RUN,make -C $(CURDIR) --no-print-directory bench-here \
		BENCH_SHAPE="$(BENCH_SHAPE)" BENCH_ARGS="$(BENCH_ARGS)" \
		FREEBSD_GDB="$(if $(FREEBSD_GDB),$(abspath $(FREEBSD_GDB)))")

# The suite again with the extension under AddressSanitizer and UBSan.
# Python and GDB are not instrumented: the runtimes are preloaded, leaks are
# left to the fuzzer's LeakSanitizer (CPython keeps memory at exit).
# The GDB tests run GDB with the same preloads, plus build/asan/swift_demangle.so
# without which a preloaded libasan deadlocks GDB at startup (see
# tests/asan/swift_demangle.c).  The preloads reach every program the tests
# run: troff (man, in test_install) frees with delete[] what it allocated with
# malloc, so that check is off (the extension is C: it has no delete).
ASAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
build/asan/swift_demangle.so: tests/asan/swift_demangle.c
	@mkdir -p $(@D)
	$(CC) -shared -fPIC -O2 -Wall -Wextra -Werror -o $@ $<
test-asan: deps
	@mkdir -p build
	@$(MAKE) --no-print-directory build/asan/swift_demangle.so
	CFLAGS="$(ASAN_FLAGS) -O1 -g" LDFLAGS="$(ASAN_FLAGS)" \
		$(PYTHON) setup.py -q build_ext --inplace --force --build-temp build/asan \
		--build-lib build/asan/lib
	LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so) $(CURDIR)/build/asan/swift_demangle.so" \
		ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:alloc_dealloc_mismatch=0 \
		UBSAN_OPTIONS=print_stacktrace=1 \
		$(PYTEST) $(PYTEST_ARGS) $(TESTS); \
	status=$$?; rm -f gdb/kgdb_pcpu/_kvm*.so; exit $$status

# libFuzzer on the core, targets made of fuzz input (tests/fuzz/fuzz_kvm.c),
# with ASan, UBSan and LeakSanitizer.  The corpus grows in build/fuzz-corpus.
build/fuzz_kvm: tests/fuzz/fuzz_kvm.c $(CORE_SRCS) $(wildcard native/*.h)
	@mkdir -p build
	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Inative -o $@ $(CORE_SRCS) tests/fuzz/fuzz_kvm.c -lelf -ldw
fuzz: deps
	@$(MAKE) --no-print-directory build/fuzz_kvm
	@mkdir -p build/fuzz-corpus
	$(PYTHON) tests/fuzz/make_seed.py build/fuzz-corpus
	./build/fuzz_kvm -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 build/fuzz-corpus

# make install: the package and the GDB loader kgdb-pcpu.py in $(LIBDIR),
# the kgdb-pcpu command in $(BINDIR) (it runs the command line with the Python
# that GDB embeds, $(PYTHON)), the C library and headers of kgdb_pcpu(3), the
# man pages in $(MANDIR).  DESTDIR stages the files elsewhere.  Each file
# installed is printed and listed in $(LIBDIR)/installed-files: make uninstall
# removes those files, and nothing else.
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
LIBDIR = $(PREFIX)/lib/kgdb-pcpu
MANDIR = $(PREFIX)/share/man
INCLUDEDIR = $(PREFIX)/include/kgdb-pcpu
INSTALL_MANIFEST = $(LIBDIR)/installed-files
INSTALL_PACKAGE = $(sort $(wildcard gdb/kgdb_pcpu/*.py)) gdb/kgdb_pcpu/_kvm.pyi

install: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p build
	@sed -e 's|@PYTHON@|$(PYTHON)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' bin/kgdb-pcpu.in > build/kgdb-pcpu
	@set -e; put() { install -d "$(DESTDIR)$${2%/*}"; install -m "$$3" "$$1" "$(DESTDIR)$$2"; echo "$$2"; }; \
	install -d "$(DESTDIR)$(LIBDIR)"; \
	{ for f in $(INSTALL_PACKAGE) $(EXT_SO); do put "$$f" "$(LIBDIR)/kgdb_pcpu/$${f##*/}" 644; done; \
	  put gdb/kgdb-pcpu.py $(LIBDIR)/kgdb-pcpu.py 644; \
	  put build/kgdb-pcpu $(BINDIR)/kgdb-pcpu 755; \
	  put build/libkgdbpcpu.a $(PREFIX)/lib/libkgdbpcpu.a 644; \
	  for h in native/kvm_pcpu.h native/kp_error.h native/kp_elf.h; do put "$$h" "$(INCLUDEDIR)/$${h##*/}" 644; done; \
	  for m in man/*.[1-9]; do put "$$m" "$(MANDIR)/man$${m##*.}/$${m##*/}" 644; done; \
	  echo $(INSTALL_MANIFEST); } > "$(DESTDIR)$(INSTALL_MANIFEST)"; \
	echo "installed kgdb-pcpu$(if $(DESTDIR), under $(DESTDIR)):"; sed 's/^/  /' "$(DESTDIR)$(INSTALL_MANIFEST)"; \
	echo "command line: $(BINDIR)/kgdb-pcpu (runs $(PYTHON)); kgdb-pcpu(1)"; \
	echo "in GDB/kgdb:  source $(LIBDIR)/kgdb-pcpu.py"

uninstall:
	@set -e; list="$(DESTDIR)$(INSTALL_MANIFEST)"; \
	if [ ! -f "$$list" ]; then echo "kgdb-pcpu is not installed in $(DESTDIR)$(PREFIX) (no $$list)"; exit 1; fi; \
	for f in $$(cat "$$list"); do rm -f "$(DESTDIR)$$f"; echo "removed $(DESTDIR)$$f"; done; \
	rm -rf "$(DESTDIR)$(LIBDIR)/kgdb_pcpu/__pycache__"; \
	rmdir "$(DESTDIR)$(LIBDIR)/kgdb_pcpu" "$(DESTDIR)$(LIBDIR)" "$(DESTDIR)$(INCLUDEDIR)"

clean:
	rm -rf build gdb/kgdb_pcpu/_kvm*.so gdb/kgdb_pcpu/__pycache__ tests/__pycache__ *.egg-info gdb/*.egg-info
