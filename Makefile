# clone2 + BPF pid policy: builds our patched Linux 6.12, the BPF programs,
# the loader and the tests, and runs the tests in a qemu VM on that kernel.
# Everything generated goes under $(BUILD). `make V=1` shows full commands.

BUILD		:= build
KSRC		:= $(BUILD)/linux
# Debian 13's kernel source, fetched without touching the host's apt setup
KTARBALL	:= $(BUILD)/linux-source-6.12.tar.xz
# Two flavours of the same kernel and series (kernel/config/flavour/):
# debug (KASAN, lockdep, ...) for make test and make demo, release for
# make bench; each in its own object dir, both through the same ccache.
ifneq ($(filter bench,$(MAKECMDGOALS)),)
ifneq ($(filter test demo,$(MAKECMDGOALS)),)
$(error make bench runs on another kernel flavour than make test and make demo: run it on its own)
endif
KERNEL_FLAVOUR	?= release
endif
KERNEL_FLAVOUR	?= debug
ifeq ($(filter $(KERNEL_FLAVOUR),debug release),)
$(error KERNEL_FLAVOUR=$(KERNEL_FLAVOUR): choose debug or release)
endif
KOBJ		:= $(BUILD)/kernel$(if $(filter release,$(KERNEL_FLAVOUR)),-release)
HOBJ		:= $(BUILD)/headers-obj
HDRS		:= $(BUILD)/usr/include
BZIMAGE		:= $(KOBJ)/arch/x86/boot/bzImage
VMLINUX		:= $(KOBJ)/vmlinux
VMLINUX_H	:= $(BUILD)/vmlinux.h
INITRAMFS	:= $(BUILD)/initramfs.cpio.gz
# tests/vm/run boots the flavour built here
export KERNEL	:= $(abspath $(BZIMAGE))
# ASan+UBSan twins of the loader and the host tests (see "fuzzing and sanitizers")
ASAN		:= $(BUILD)/asan

KCONFIG_FRAGMENTS := $(wildcard kernel/config/*.config) kernel/config/flavour/$(KERNEL_FLAVOUR).config
KPATCHES	:= kernel/patches/series $(wildcard kernel/patches/*.patch)

# ccache lives outside the repository so fresh clones reuse it, wherever they
# are: paths are hashed relative to the clone, and debug info keeps its own
# directory. Fixed build stamps keep the kernel's generated files stable.
export CCACHE_DIR ?= $(HOME)/.cache/ccache
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true
export KBUILD_BUILD_TIMESTAMP := Thu Jan  1 00:00:00 UTC 2026
export KBUILD_BUILD_USER := pidpolicy
export KBUILD_BUILD_HOST := pidpolicy
# UBSAN instruments just the objects our patches change (kbuild's per-object
# UBSAN_SANITIZE_<obj>.o switch, set here so the patches stay upstreamable).
UBSAN_OBJS	:= fork pid pid_namespace sysctl security pid_list trace_sched_switch
KMAKE = $(MAKE) -C $(KSRC) CC="ccache gcc" -j$(shell nproc) \
	$(foreach o,$(UBSAN_OBJS),UBSAN_SANITIZE_$(o).o=y)

CC		:= gcc
CLANG		:= clang
BPFTOOL		:= bpftool
CFLAGS		:= -O2 -g -Wall -Wextra -Werror -std=gnu11
# Userspace compiles against our kernel's uapi headers, not the host's.
CPPFLAGS	:= -isystem $(HDRS) -Iinclude -Itests -Itests/vm -I$(BUILD)
# BPF_PROG() hands every program a ctx it may not use: no unused-parameter.
BPF_CFLAGS	:= -g -O2 -Wall -Wextra -Wno-unused-parameter -Werror -target bpf -D__TARGET_ARCH_x86 \
		   -I$(BUILD) -Iinclude
LIBBPF_LDLIBS	:= -lbpf -lelf -lz

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-7s %s\n' $(1) $(2)
MAKEFLAGS += --no-print-directory
endif

.DELETE_ON_ERROR:
.SECONDARY:
.SECONDEXPANSION:
.PHONY: all deps kernel FORCE check headers vmlinux.h bpf loader tests initramfs test demo clean

all: kernel tests

deps:
	$(Q)scripts/deps.sh

# --- kernel -----------------------------------------------------------------
$(KTARBALL): | deps
	$(Q)kernel/fetch-source.sh $@

$(KSRC)/.patched: $(KPATCHES) kernel/prepare-source.sh $(KTARBALL) | deps
	$(Q)kernel/prepare-source.sh $(KSRC) kernel/patches $(KTARBALL)
	@touch $@

$(KOBJ)/.config: $(KCONFIG_FRAGMENTS) kernel/make-config.sh | $(KSRC)/.patched
	$(call msg,CONFIG,$@)
	$(Q)kernel/make-config.sh $(KSRC) $(KOBJ) $(KCONFIG_FRAGMENTS)

# kbuild runs only when the patches or the config changed; it then rebuilds
# just the objects whose sources changed.
$(KOBJ)/.built: $(KOBJ)/.config $(KSRC)/.patched
	$(call msg,KBUILD,$(BZIMAGE))
	$(Q)+$(KMAKE) -s O=$(abspath $(KOBJ)) bzImage
	@touch $@

kernel: $(KOBJ)/.built

# checkpatch --strict on the series, sparse on the files it touches, a
# cross build for arm64 (native and compat tables) in its own object dir,
# and the series' BPF selftest (prog_tests/pid_choose.c) in the VM.
ARM64_KOBJ	:= $(BUILD)/kernel-arm64
BPF_SELFTEST	:= $(BUILD)/bpf-selftest/test_progs
check: $(KOBJ)/.built $(ARM64_KOBJ)/.built $(BPF_SELFTEST) $(INITRAMFS)
	$(Q)kernel/check-series.sh $(KSRC) $(KOBJ) kernel/patches CC="ccache gcc"
	$(call msg,VM,'test_progs -t pid_choose')
	$(Q)tests/vm/run --add $(BPF_SELFTEST):/bpf-selftest/test_progs -- \
		sh -c 'cd /bpf-selftest && ./test_progs -t pid_choose' >$(BUILD)/bpf-selftest/log 2>&1 || \
		{ cat $(BUILD)/bpf-selftest/log; exit 1; }
	@grep -a '^Summary:' $(BUILD)/bpf-selftest/log | sed 's/^/  BPF     /'

# The series' BPF selftest built alone: the whole of selftests/bpf is heavy.
$(BPF_SELFTEST): kernel/bpf-selftest.sh $(KSRC)/.patched $(VMLINUX_H) | $(HDRS)/.installed
	$(call msg,BUILD,$@)
	$(Q)kernel/bpf-selftest.sh $(KSRC) $(@D) $(VMLINUX_H) $(HDRS)

$(ARM64_KOBJ)/.built: kernel/config/arm64/virt.config kernel/check-arm64.sh $(KSRC)/.patched
	$(call msg,KBUILD,$(ARM64_KOBJ)/vmlinux)
	$(Q)+kernel/check-arm64.sh $(KSRC) $(ARM64_KOBJ) kernel/config/arm64/virt.config
	@touch $@

# A separate object dir: headers_install needs no .config and must not race
# the kernel build under -j.
$(HDRS)/.installed: $(KSRC)/.patched
	$(call msg,HEADERS,$(HDRS))
	$(Q)+$(KMAKE) -s O=$(abspath $(HOBJ)) INSTALL_HDR_PATH=$(abspath $(BUILD)/usr) \
		headers_install
	@touch $@

headers: $(HDRS)/.installed

# The stamp follows vmlinux and the flavour it comes from; vmlinux.h
# itself changes only with the kernel's types, so BPF objects rebuild only
# then.
$(BUILD)/kernel-flavour: FORCE
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = $(KERNEL_FLAVOUR) ] || echo $(KERNEL_FLAVOUR) > $@

$(VMLINUX_H).stamp: $(KOBJ)/.built $(BUILD)/kernel-flavour vmlinux-gen/gen-vmlinux-h
	$(call msg,GEN,$(VMLINUX_H))
	$(Q)vmlinux-gen/gen-vmlinux-h $(VMLINUX) $(VMLINUX_H)
	@touch $@
$(VMLINUX_H): $(VMLINUX_H).stamp ;

vmlinux.h: $(VMLINUX_H)

# --- BPF objects and skeletons ---------------------------------------------
$(BUILD)/%.bpf.o: %.bpf.c $(VMLINUX_H) $(wildcard include/*.h)
	$(call msg,BPF,$@)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

BPF_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard bpf/*.bpf.c tests/*/*.bpf.c))
bpf: $(BPF_OBJS)

# --- the pidpolicy loader -----------------------------------------------------
PIDPOLICY	:= $(BUILD)/loader/pidpolicy
ASAN_PIDPOLICY	:= $(ASAN)/loader/pidpolicy

# One file per job, as bpftool's (README: Layout); main.c holds the command
# table, options and usage.
LOADER_SRCS	:= $(wildcard loader/*.c)
LOADER_HDRS	:= $(wildcard loader/*.h)
# What `pidpolicy --version` prints; packagers set their own.
PIDPOLICY_VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo unknown)

$(PIDPOLICY) $(ASAN_PIDPOLICY): $(LOADER_SRCS) $(LOADER_HDRS) $(BUILD)/bpf/pidpolicy.skel.h \
		$(wildcard include/*.h) | $(HDRS)/.installed
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -I$(BUILD)/bpf -Iloader $(CFLAGS) \
		-DPIDPOLICY_VERSION='"$(PIDPOLICY_VERSION)"' -o $@ $(filter %.c,$^) \
		$(LIBBPF_LDLIBS) -ljson-c

loader: $(PIDPOLICY)

# --- userspace ----------------------------------------------------------------
HARNESS_SRC	:= tests/harness.c
HOST_TESTS	:= $(patsubst tests/host/%.c,$(BUILD)/tests/host/%,$(wildcard tests/host/*_test.c))
ASAN_HOST_TESTS	:= $(patsubst $(BUILD)/%,$(ASAN)/%,$(HOST_TESTS))
# Both builds of host test $(1): as is and with ASan+UBSan.
host_test	= $(BUILD)/tests/host/$(1) $(ASAN)/tests/host/$(1)
# In-VM tests: tests/vm, and tests/criu (criu checkpoint/restore under policy)
VM_TESTS	:= $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/vm/*_test.c tests/criu/*_test.c))
# The clone2 ABI tests also run as 32-bit binaries: one struct layout.
VM_TESTS_32	:= $(patsubst %,%_m32,$(filter %/clone2_test,$(VM_TESTS)))

$(HOST_TESTS) $(ASAN_HOST_TESTS): tests/host/$$(@F).c $(HARNESS_SRC) tests/harness.h \
		| $(HDRS)/.installed
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -Iloader $(CFLAGS) -o $@ $(filter %.c,$^)

# Host unit tests of the loader's parsers link the parsers themselves.
$(call host_test,parse_test): loader/parse.c loader/parse.h loader/ranges.c loader/ranges.h loader/cgroup.c loader/cgroup.h
$(call host_test,policyfile_test): loader/policyfile.c loader/policy.c loader/policyfile.h loader/parse.c \
		loader/parse.h loader/ranges.c loader/ranges.h loader/cgroup.c loader/cgroup.h
# cli_test runs the loader as built (its command line, before any kernel
# check): make builds the loader first, without making it a source.
$(call host_test,cli_test): | $(PIDPOLICY)
# The decision of the BPF program and explain, over maps in arrays.
$(call host_test,decide_test): include/pidpolicy_decide.h include/pidpolicy.h

# In-VM tests share tests/vm/vmtest.c and may embed a BPF skeleton named
# after them (smoke_test.c includes smoke_test.skel.h from smoke_test.bpf.c).
VM_TEST_COMMON	:= $(HARNESS_SRC) tests/vm/vmtest.c tests/harness.h tests/vm/vmtest.h \
		   $(wildcard include/*.h)
# 64-bit tests also get the pid policy helpers (they need libbpf).
VM_TEST_COMMON_64 := $(VM_TEST_COMMON) tests/vm/vmpolicy.c tests/vm/vmpolicy.h
vm_skel = $(patsubst %.bpf.c,$(BUILD)/%.skel.h,$(wildcard tests/$(1).bpf.c))
$(VM_TESTS): $(BUILD)/tests/%: tests/%.c $(VM_TEST_COMMON_64) $$(call vm_skel,$$*) \
		| $(HDRS)/.installed
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -I$(@D) $(CFLAGS) -o $@ $(filter %.c,$^) $(LIBBPF_LDLIBS)
# Types a test's BPF program shares with it (libbpf-tools' name.h).
$(BUILD)/tests/vm/hook_test.bpf.o $(BUILD)/tests/vm/hook_test: tests/vm/hook_test.h

# The process tree criu_test checkpoints and restores.
CRIU_TREE	:= $(BUILD)/tests/criu/criu-tree
$(CRIU_TREE): tests/criu/tree.c
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $<

$(BUILD)/tests/vm/%_test_m32: tests/vm/%_test.c $(VM_TEST_COMMON) | $(HDRS)/.installed
	$(call msg,CC-M32,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -m32 $(CPPFLAGS) $(CFLAGS) -o $@ $(filter %.c,$^)

# The example programs: restore-tree, and the EXAMPLES program of clone2(2),
# compiled from the man page itself so the page cannot go stale.
EXAMPLES	:= $(BUILD)/examples/restore-tree $(BUILD)/examples/clone2_example

$(BUILD)/examples/clone2_example.c: man/clone2.2 man/extract-example
	$(call msg,EXTRACT,$@)
	@mkdir -p $(@D)
	$(Q)man/extract-example $< clone2_example.c > $@

# The sessions of pidpolicy(8)'s EXAMPLES, replayed by tests/vm/examples_test.
MAN_SESSIONS	:= $(BUILD)/examples/pidpolicy.8.sessions

$(MAN_SESSIONS): man/pidpolicy.8 man/extract-example
	$(call msg,EXTRACT,$@)
	@mkdir -p $(@D)
	$(Q)man/extract-example $< --session > $@

$(BUILD)/examples/%: $$(or $$(wildcard examples/$$*.c),$(BUILD)/examples/$$*.c) include/clone2.h \
		| $(HDRS)/.installed
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $<

# The kernel's own selftests for clone3 and pid namespaces, built from our
# tree as its Makefiles would, run in the VM by tests/vm/kselftest_test.c.
KSELFTEST_DIR	:= $(KSRC)/tools/testing/selftests
KSELFTESTS	:= $(addprefix $(BUILD)/kselftests/,clone3 clone3_set_tid clone3_clear_sighand \
		   clone3_cap_checkpoint_restore regression_enomem pid_max clone2_abi)

$(BUILD)/kselftests/%: $(KSRC)/.patched | $(HDRS)/.installed
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) -g -std=gnu99 -isystem $(HDRS) -I$(KSELFTEST_DIR) -o $@ \
		$(wildcard $(KSELFTEST_DIR)/*/$*.c)

tests: $(HOST_TESTS) $(VM_TESTS) $(VM_TESTS_32) $(CRIU_TREE) $(EXAMPLES) $(MAN_SESSIONS) $(KSELFTESTS)

# --- the VM image -------------------------------------------------------------
INITRAMFS_FILES := /usr/sbin/bpftool:/usr/sbin/bpftool /usr/sbin/criu:/usr/sbin/criu \
		   $(CRIU_TREE):/tests/criu-tree \
		   $(PIDPOLICY):/usr/sbin/pidpolicy \
		   tests/vm/run-tests:/tests/run-tests \
		   examples/nested-tree.txt:/usr/share/pidpolicy/nested-tree.txt \
		   examples/demo.sh:/usr/share/pidpolicy/demo.sh \
		   examples/restore.policy:/usr/share/pidpolicy/restore.policy \
		   $(foreach t,$(VM_TESTS) $(VM_TESTS_32),$(t):/tests/$(notdir $(t))) \
		   $(foreach e,$(EXAMPLES),$(e):/usr/bin/$(notdir $(e))) \
		   $(MAN_SESSIONS):/usr/share/pidpolicy/$(notdir $(MAN_SESSIONS)) \
		   $(foreach k,$(KSELFTESTS),$(k):/kselftests/$(notdir $(k)))

$(INITRAMFS): $(VM_TESTS) $(VM_TESTS_32) $(CRIU_TREE) $(EXAMPLES) $(MAN_SESSIONS) $(KSELFTESTS) \
		$(PIDPOLICY) tests/vm/init \
		tests/vm/mkinitramfs tests/vm/run-tests examples/nested-tree.txt examples/demo.sh \
		examples/restore.policy | deps
	$(call msg,CPIO,$@)
	$(Q)tests/vm/mkinitramfs $@ $(BUILD)/initramfs-root $(INITRAMFS_FILES)

initramfs: $(INITRAMFS)

# --- the two commands of the README -----------------------------------------
# The VM suite runs in two VMs side by side, about equal in time (a test
# mostly keeps one vCPU busy; 22 and 21 min here). The first: the pid
# policy, state and admin tests, then the state and bypass tests again on
# preempt=full. The second: the ABI fuzzer and every other test of the
# series' own paths and the race test, then policy_stress_test, the criu
# and example tests.
VM_GROUP_1	:= pidpolicy_test bypass_test state_test asan_loader_test admin_test
VM_GROUP_2_LATE	:= policy_stress_test criu_test examples_test
VM_GROUP_2	:= $(filter-out $(VM_GROUP_1) $(VM_GROUP_2_LATE),$(notdir $(VM_TESTS) $(VM_TESTS_32)))

# The state and bypass tests run again on the kernel booted with
# preempt=full (PREEMPT_DYNAMIC), where tracing programs are skipped more
# often, after the first group in its VM's place.
VM_PREEMPT_FULL	:= state_test bypass_test

# kmemleak saves a stack trace for every allocation: a policy load takes
# 7.5 s instead of 5.2 under TCG (the verifier allocates much), and
# policy_stress_test 995 s instead of 541. It watches the second group,
# which runs every path of the series (clone2's ABI, compat, seccomp pass
# and fuzzer with policy switches, pid_max, the hook on each path, clone2
# racing the teardown of nested namespaces). The others boot with
# kmemleak=off: what they add is mostly BPF's and the loader's work, but
# a leak only they reach (a refusal path under the loader's suites, say)
# goes unseen.
NO_KMEMLEAK	:= kmemleak=off

# One VM's command for run-all: tests $(2) on a boot with command line $(1)
# (an hour at most), then tests $(4) on one with $(3) (half an hour); it
# fails if either run failed.
vm_two_boots = sh -c 'VM_APPEND="$(1)" tests/vm/run --timeout 3600 -- /tests/run-tests $(2); \
	a=$$?; VM_APPEND="$(3)" tests/vm/run --timeout 1800 -- /tests/run-tests $(4); \
	b=$$?; exit $$((a ? a : b))'

test: kernel tests initramfs
	$(Q)$(SAN_ENV) tests/run-all $(HOST_TESTS) $(ASAN_HOST_TESTS_RUN) \
		--vm $(call vm_two_boots,$(NO_KMEMLEAK),$(VM_GROUP_1),$(NO_KMEMLEAK) preempt=full,$(VM_PREEMPT_FULL)) \
		--vm $(call vm_two_boots,,$(VM_GROUP_2),$(NO_KMEMLEAK),$(VM_GROUP_2_LATE))

demo: kernel initramfs
	$(Q)tests/vm/run -- sh /usr/share/pidpolicy/demo.sh

# The README's commands on a fresh debootstrap'd bookworm root, from a clone
# of HEAD: proves that they install all they need (scripts/fresh-check).
.PHONY: fresh-check
fresh-check:
	$(Q)scripts/fresh-check

clean:
	rm -rf $(BUILD)

# --- arm64 --------------------------------------------------------------------
# `make test-arm64` (not part of `make test`): the arm64 kernel of `make check`
# booted under qemu-system-aarch64 (TCG) with static arm64 builds of the
# clone2 ABI test and of the kernel's clone2, pid_max and clone3 selftests
# (clang cross-compiles, Debian's libc6-dev-arm64-cross links), on an arm64
# busybox from Debian (scripts/apt-download).
ARM64		:= $(BUILD)/arm64
ARM64_IMAGE	:= $(ARM64_KOBJ)/arch/arm64/boot/Image
ARM64_HDRS	:= $(ARM64)/usr/include
ARM64_CC	:= clang --target=aarch64-linux-gnu -fuse-ld=lld -static
ARM64_CPPFLAGS	:= -isystem $(ARM64_HDRS) -Iinclude -Itests -Itests/vm
ARM64_TESTS	:= $(ARM64)/tests/clone2_test $(ARM64)/tests/kselftest_test
ARM64_KSELFTESTS := $(addprefix $(ARM64)/kselftests/,$(notdir $(KSELFTESTS)))
ARM64_BUSYBOX	:= $(ARM64)/busybox
ARM64_INITRAMFS	:= $(ARM64)/initramfs.cpio.gz

.PHONY: deps-arm64 kernel-arm64 initramfs-arm64 test-arm64
deps-arm64:
	$(Q)scripts/deps.sh libc6-dev-arm64-cross libgcc-12-dev-arm64-cross qemu-system-arm

kernel-arm64: $(ARM64_KOBJ)/.built

$(ARM64_HDRS)/.installed: $(KSRC)/.patched
	$(call msg,HEADERS,$(ARM64_HDRS))
	$(Q)+$(MAKE) -s -C $(KSRC) ARCH=arm64 LLVM=1 O=$(abspath $(ARM64)/headers-obj) \
		INSTALL_HDR_PATH=$(abspath $(ARM64)/usr) headers_install
	@touch $@

$(ARM64)/tests/%: tests/vm/%.c $(VM_TEST_COMMON) | $(ARM64_HDRS)/.installed deps-arm64
	$(call msg,CC-A64,$@)
	@mkdir -p $(@D)
	$(Q)$(ARM64_CC) $(ARM64_CPPFLAGS) $(CFLAGS) -o $@ $(filter %.c,$^)

$(ARM64)/kselftests/%: $(KSRC)/.patched | $(ARM64_HDRS)/.installed deps-arm64
	$(call msg,CC-A64,$@)
	@mkdir -p $(@D)
	$(Q)$(ARM64_CC) -g -std=gnu99 -isystem $(ARM64_HDRS) -I$(KSELFTEST_DIR) -o $@ \
		$(wildcard $(KSELFTEST_DIR)/*/$*.c)

$(ARM64_BUSYBOX): scripts/apt-download | deps-arm64
	$(call msg,FETCH,$@)
	@mkdir -p $(@D)/busybox-deb
	$(Q)dpkg-deb -x "$$(scripts/apt-download trixie arm64 busybox-static)" $(@D)/busybox-deb
	$(Q)cp $(@D)/busybox-deb/usr/bin/busybox $@.tmp && rm -rf $(@D)/busybox-deb && mv $@.tmp $@

$(ARM64_INITRAMFS): $(ARM64_TESTS) $(ARM64_KSELFTESTS) $(ARM64_BUSYBOX) tests/vm/init \
		tests/vm/mkinitramfs tests/vm/run-tests
	$(call msg,CPIO,$@)
	$(Q)BUSYBOX=$(ARM64_BUSYBOX) tests/vm/mkinitramfs $@ $(ARM64)/initramfs-root \
		tests/vm/run-tests:/tests/run-tests \
		$(foreach t,$(ARM64_TESTS),$(t):/tests/$(notdir $(t))) \
		$(foreach k,$(ARM64_KSELFTESTS),$(k):/kselftests/$(notdir $(k)))

initramfs-arm64: $(ARM64_INITRAMFS)

# The clone2 ABI test and the selftests in one arm64 VM of 1 GiB.
test-arm64: deps-arm64 kernel-arm64 initramfs-arm64
	$(Q)tests/run-all --vm env VM_ARCH=arm64 KERNEL=$(abspath $(ARM64_IMAGE)) \
		INITRAMFS=$(abspath $(ARM64_INITRAMFS)) tests/vm/run --timeout 3600 -- /tests/run-tests
# --- end arm64 ----------------------------------------------------------------

# --- install ------------------------------------------------------------------
# `make install` copies what `make loader` built (building it first if it is
# missing or out of date); `make -o $(PIDPOLICY) install` installs the binary
# as it is, whatever changed since. PREFIX (default /usr/local) and DESTDIR
# as usual; /etc/pidpolicy.conf is installed only where there is none, never
# over an admin's file, and `uninstall` leaves it. Headers go to
# $(INCLUDEDIR)/pidpolicy with their own copy of our kernel's uapi
# <linux/clone2.h> (as libdrm ships its drm headers): nothing is written into
# include/linux, which belongs to the distribution's kernel headers. Compile
# with -I$(INCLUDEDIR)/pidpolicy and #include <clone2.h>.
PREFIX		?= /usr/local
SBINDIR		= $(PREFIX)/sbin
MANDIR		= $(PREFIX)/share/man
INCLUDEDIR	= $(PREFIX)/include
PKG_INCLUDEDIR	= $(INCLUDEDIR)/pidpolicy
BASHCOMPDIR	= $(PREFIX)/share/bash-completion/completions
SYSTEMD_UNIT_DIR ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)
INSTALL		:= install
INSTALL_HEADERS	:= include/clone2.h include/pidpolicy.h include/pidpolicy_decide.h
INSTALL_CONF	= $(DESTDIR)/etc/pidpolicy.conf
INSTALLED_FILES	= $(SBINDIR)/pidpolicy $(MANDIR)/man8/pidpolicy.8 $(MANDIR)/man2/clone2.2 \
		  $(addprefix $(PKG_INCLUDEDIR)/,$(notdir $(INSTALL_HEADERS)) linux/clone2.h) \
		  $(SYSTEMD_UNIT_DIR)/pidpolicy.service $(BASHCOMPDIR)/pidpolicy

.PHONY: install uninstall

# $(HDRS)/linux/clone2.h exists once the loader does: it is built against it.
install: $(PIDPOLICY)
	$(call msg,INSTALL,$(DESTDIR)$(SBINDIR)/pidpolicy)
	$(Q)$(INSTALL) -D -m 0755 $(PIDPOLICY) $(DESTDIR)$(SBINDIR)/pidpolicy
	$(call msg,INSTALL,$(DESTDIR)$(MANDIR)/man8/pidpolicy.8)
	$(Q)$(INSTALL) -D -m 0644 man/pidpolicy.8 $(DESTDIR)$(MANDIR)/man8/pidpolicy.8
	$(call msg,INSTALL,$(DESTDIR)$(MANDIR)/man2/clone2.2)
	$(Q)$(INSTALL) -D -m 0644 man/clone2.2 $(DESTDIR)$(MANDIR)/man2/clone2.2
	$(call msg,INSTALL,$(DESTDIR)$(PKG_INCLUDEDIR)/)
	$(Q)$(INSTALL) -d -m 0755 $(DESTDIR)$(PKG_INCLUDEDIR)
	$(Q)$(INSTALL) -m 0644 $(INSTALL_HEADERS) $(DESTDIR)$(PKG_INCLUDEDIR)/
	$(Q)$(INSTALL) -D -m 0644 $(HDRS)/linux/clone2.h $(DESTDIR)$(PKG_INCLUDEDIR)/linux/clone2.h
	$(call msg,INSTALL,$(DESTDIR)$(SYSTEMD_UNIT_DIR)/pidpolicy.service)
	$(Q)$(INSTALL) -d -m 0755 $(DESTDIR)$(SYSTEMD_UNIT_DIR)
	$(Q)sed 's|@SBINDIR@|$(SBINDIR)|g' packaging/pidpolicy.service \
		> $(DESTDIR)$(SYSTEMD_UNIT_DIR)/pidpolicy.service
	$(Q)chmod 0644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/pidpolicy.service
	$(call msg,INSTALL,$(DESTDIR)$(BASHCOMPDIR)/pidpolicy)
	$(Q)$(INSTALL) -D -m 0644 packaging/pidpolicy.bash-completion $(DESTDIR)$(BASHCOMPDIR)/pidpolicy
	$(Q)if [ -e $(INSTALL_CONF) ] || [ -L $(INSTALL_CONF) ]; then \
		printf '  %-7s %s\n' KEEP "$(INSTALL_CONF) (exists; example: packaging/pidpolicy.conf)"; \
	else \
		printf '  %-7s %s\n' INSTALL $(INSTALL_CONF); \
		$(INSTALL) -D -m 0644 packaging/pidpolicy.conf $(INSTALL_CONF); \
	fi

uninstall:
	$(Q)for f in $(addprefix $(DESTDIR),$(INSTALLED_FILES)); do \
		[ -e $$f ] || [ -L $$f ] || continue; \
		$(if $(Q),printf '  %-7s %s\n' RM $$f;) rm -f $$f; \
	done
	$(Q)rmdir $(DESTDIR)$(PKG_INCLUDEDIR)/linux $(DESTDIR)$(PKG_INCLUDEDIR) 2>/dev/null || true
	$(Q)if [ -e $(INSTALL_CONF) ] || [ -L $(INSTALL_CONF) ]; then \
		printf '  %-7s %s\n' KEEP "$(INSTALL_CONF) (remove it by hand if unwanted)"; \
	fi
# --- end install --------------------------------------------------------------

# --- bench --------------------------------------------------------------------
# `make bench`: tests/bench/pidbench in the VM on the release kernel
# (`make bench KERNEL_FLAVOUR=debug`: on the debug one), added for that run
# only (the image of `make test` stays lean). The table goes to
# build/bench-FLAVOUR.txt, the results to build/bench-FLAVOUR.json and .tsv,
# and build/bench.svg charts the targets of every flavour that has run.
# BENCH_ARGS passes options to pidbench, e.g. `make bench BENCH_ARGS="-r 4
# -n 10000"` for a quick run.
BENCH		:= $(BUILD)/tests/bench/pidbench

$(BENCH): tests/bench/pidbench.c $(BUILD)/tests/bench/pidbench.skel.h include/clone2.h \
		| $(HDRS)/.installed
	$(call msg,CC,$@)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) -I$(@D) $(CFLAGS) -o $@ $< $(LIBBPF_LDLIBS)

.PHONY: bench
bench: kernel initramfs $(BENCH)
	$(Q)KERNEL_FLAVOUR=$(KERNEL_FLAVOUR) BENCH_OUT=$(BUILD)/bench-$(KERNEL_FLAVOUR) \
		tests/bench/run $(BENCH) $(BENCH_ARGS)
	$(Q)tests/bench/plot $(BUILD)/bench.svg $(foreach r,release debug release-kvm debug-kvm, \
		$(BUILD)/bench-$(r).tsv)
# --- end bench ----------------------------------------------------------------

# --- fuzzing and sanitizers -----------------------------------------------------
# libFuzzer targets of the loader's parsers (tests/fuzz/NAME_fuzz.c, corpus in
# tests/fuzz/corpus/NAME, dictionary tests/fuzz/NAME.dict) built into
# build/fuzz/NAME with ASan+UBSan. What the parsers would ask of the machine
# (namespace and cgroup paths) tests/fuzz/fuzz.c fakes through
# FUZZ_WRAP. `make test` runs each for 20 s (tests/host/fuzz_test.c);
# `make fuzz FUZZ_SECONDS=N` for longer, with a random seed (FUZZ_SEED=0).
FUZZ_CC		:= clang-14
FUZZ_CFLAGS	:= -g -O1 -std=gnu11 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
		   -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_WRAP	:= -Wl,--wrap=open,--wrap=stat,--wrap=statfs
FUZZERS		:= $(patsubst tests/fuzz/%_fuzz.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/*_fuzz.c))
FUZZ_SECONDS	?= 300
FUZZ_SEED	?= 0

$(BUILD)/fuzz/%: tests/fuzz/%_fuzz.c tests/fuzz/fuzz.c tests/fuzz/fuzz.h loader/parse.c \
		loader/parse.h loader/ranges.c loader/ranges.h loader/policyfile.c loader/policy.c \
		loader/policyfile.h loader/cgroup.c loader/cgroup.h \
		$(wildcard include/*.h) \
		| $(HDRS)/.installed
	$(call msg,FUZZ-CC,$@)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -Iloader -Itests/fuzz $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) \
		$(FUZZ_WRAP)

.PHONY: fuzz
fuzz: $(FUZZERS) $(BUILD)/tests/host/fuzz_test
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED=$(FUZZ_SEED) \
		HARNESS_TIMEOUT=$$(($(FUZZ_SECONDS) + 120)) $(BUILD)/tests/host/fuzz_test

# The loader and every host test are also built with ASan+UBSan into
# $(ASAN), by their own rules (ASAN_PIDPOLICY, ASAN_HOST_TESTS and
# host_test above); `make test` runs the sanitized host tests as suites of
# their own, and tests/vm/asan_loader_test.c runs the sanitized loader in
# the VM as /usr/sbin/pidpolicy-asan. The twins of fuzz_test (its fuzzers
# are sanitized already) and vm_runner_test (VM boots; its own code is
# harness_sh() calls) are built but not run.
SAN_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
$(ASAN)/%: private CFLAGS += $(SAN_FLAGS)
ASAN_HOST_TESTS_RUN := $(filter-out %/fuzz_test %/vm_runner_test,$(ASAN_HOST_TESTS))
# harness_test checks that a test storing through NULL is reported as killed
# by SIGSEGV: UBSan must not check that store, nor ASan catch the signal.
$(ASAN)/tests/host/harness_test: private CFLAGS += -fno-sanitize=null
SAN_ENV		:= ASAN_OPTIONS=handle_segv=0 UBSAN_OPTIONS=print_stacktrace=1

tests: $(FUZZERS) $(ASAN_PIDPOLICY) $(ASAN_HOST_TESTS)

INITRAMFS_FILES	+= $(ASAN_PIDPOLICY):/usr/sbin/pidpolicy-asan
$(INITRAMFS): $(ASAN_PIDPOLICY)
# --- end fuzzing and sanitizers -------------------------------------------------
