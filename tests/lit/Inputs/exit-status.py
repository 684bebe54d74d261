#!/usr/bin/env python3
"""Runs a command and checks its exact exit status (lit's `not` only checks
for non-zero). Usage: exit-status.py STATUS COMMAND [ARG...]

A command killed by a signal (a crash) never matches.
"""
import subprocess
import sys

want = int(sys.argv[1])
got = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL).returncode
if got != want:
    how = "killed by signal %d" % -got if got < 0 else "exit status %d" % got
    sys.exit("exit-status.py: %s: expected exit status %d, got %s"
             % (sys.argv[2], want, how))
