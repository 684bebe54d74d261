#!/usr/bin/env python3
"""Runs a command with its address space limited to MIB mebibytes, so a
test can exercise an allocation failure without exhausting the machine.
Usage: limit-memory.py MIB COMMAND [ARG...]

The command replaces this process (exec), so its exit status, or the signal
that killed it, is what the caller sees: `not` still fails on a crash.

Under AddressSanitizer (ASAN_OPTIONS set, as scripts/test.sh --sanitize
does) an address-space limit would stop ASan itself, which reserves
terabytes for its shadow memory; there the limit is ASan's own largest
allocation (1 TiB), and allocator_may_return_null=1 makes a larger request
throw std::bad_alloc as it does in a normal build.
"""
import os
import resource
import sys

if os.environ.get("ASAN_OPTIONS") is not None:
    os.environ["ASAN_OPTIONS"] += ":allocator_may_return_null=1"
else:
    limit = int(sys.argv[1]) << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
os.execvp(sys.argv[2], sys.argv[2:])
