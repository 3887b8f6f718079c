#!/usr/bin/env python3
"""Reads `cargo build --message-format=json` on stdin, prints every diagnostic as cargo
would, and exits 1 when one of the workspace's own crates had a warning: the test
command's `-D warnings`, without passing `-D warnings` to the compiler (that would make
the test build of our crates differ from `cargo run`'s; see .cargo/config.toml).
Cargo replays the diagnostics of crates it did not recompile, so a warning cannot hide
in a cached build. Warnings of dependencies and of Cargo itself do not count."""

import json
import pathlib
import sys

workspace = pathlib.Path(__file__).resolve().parent.parent.as_uri()
warnings = 0
for line in sys.stdin:
    try:
        message = json.loads(line)
    except json.JSONDecodeError:
        sys.stderr.write(line)  # a build script's own output
        continue
    if message.get("reason") != "compiler-message":
        continue
    diagnostic = message["message"]
    sys.stderr.write(diagnostic.get("rendered") or "")
    package = message.get("package_id", "")
    ours = package.startswith(("path+" + workspace + "#", "path+" + workspace + "/"))
    if ours and diagnostic.get("level") == "warning":
        warnings += 1

if warnings:
    sys.stderr.write(f"error: {warnings} warning(s) in the workspace's crates (denied)\n")
    sys.exit(1)
