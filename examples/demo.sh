#!/bin/sh
# `make demo`, inside the VM: our kernel, clone2 restoring a nested tree with
# chosen pids, and the pid policy allowing one restore and denying another.
set -e
step() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "Our kernel, its LSMs and its BTF"
show uname -sr
show cat /sys/kernel/security/lsm
echo
show ls -l /sys/kernel/btf/vmlinux

step "clone2: a process tree in three nested pid namespaces, every pid chosen"
show cat /usr/share/pidpolicy/nested-tree.txt
show restore-tree /usr/share/pidpolicy/nested-tree.txt

step "The pid policy: root may choose pids 5000-5999, in any namespace"
show pidpolicy load
show pidpolicy allow --ns any --uid 0 --pids 5000-5999
show pidpolicy mode --default enforce
show pidpolicy show

step "An allowed and a denied clone2"
show clone2_example 5050
show clone2_example 6000 || true
show pidpolicy status

step "The rules as bpftool sees them"
show bpftool map dump pinned /sys/fs/bpf/pidpolicy/rules

step "Restoring the nested tree under a policy file, with the monitor watching"
show cat /usr/share/pidpolicy/restore.policy
show pidpolicy apply /usr/share/pidpolicy/restore.policy
pidpolicy monitor >/tmp/monitor.log 2>/tmp/monitor.err &
monitor=$!
until grep -q 'Hit Ctrl-C' /tmp/monitor.err; do kill -0 $monitor && sleep 0.1 || break; done
show restore-tree /usr/share/pidpolicy/nested-tree.txt

step "The same restore with at most 4 live chosen pids per namespace"
show pidpolicy limit --ns any --max-chosen 4
show restore-tree /usr/share/pidpolicy/nested-tree.txt || true
kill -INT $monitor	# it prints what is queued, then exits
wait $monitor

step "What pidpolicy monitor reported"
show cat /tmp/monitor.log
show pidpolicy status
show pidpolicy unload
