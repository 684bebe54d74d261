#!/usr/bin/env python3
"""Runs a command with its address space limited to MIB mebibytes, so a
test can exercise an allocation failure without exhausting the machine.
Usage: limit-memory.py MIB COMMAND [ARG...]

The command replaces this process (exec), so its exit status, or the signal
that killed it, is what the caller sees: `not` still fails on a crash.
"""
import os
import resource
import sys

limit = int(sys.argv[1]) << 20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
os.execvp(sys.argv[2], sys.argv[2:])
