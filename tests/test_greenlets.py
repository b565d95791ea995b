"""Patching for gevent: the same patched process, with the entry points scanned once."""

import subprocess
import sys
import textwrap

PROBE = textwrap.dedent("""
    from importlib import metadata

    scans = []
    real = metadata.entry_points

    def counted(**selection):
        scans.append(selection)
        return real(**selection)

    metadata.entry_points = counted
    from labctl.cli.greenlets import patch_all

    patch_all()
    import socket, threading, time
    import gevent.monkey, gevent.socket

    assert socket.socket is gevent.socket.socket, "sockets are not cooperative"
    for module in ("socket", "threading", "time", "select", "ssl", "subprocess"):
        assert gevent.monkey.is_module_patched(module), module
    assert scans == [{}], f"installed packages were scanned {len(scans)} times: {scans}"
    assert metadata.entry_points is counted, "the lookup was not put back"
    print("ok")
""")


def test_patch_all_patches_the_process_with_one_scan_of_entry_points():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
