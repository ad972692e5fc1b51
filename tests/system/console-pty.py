#!/usr/bin/env python3
"""`keelctl console VM` on a terminal (raw mode), a step of tests/system/ctl.sh.

keelctl runs on the slave side of a pseudo-terminal, under a shell that
saves the terminal's settings (stty -g, stty -a) before and after it. This
script, on the master side, checks that:
  - while attached, the terminal is raw (no ICANON, no ECHO, no ISIG);
  - a command typed (ending in CR, as a terminal sends Enter) reaches the
    VM, and its output comes back;
  - Ctrl-] detaches: keelctl says so and exits 0;
  - the settings afterwards are those from before, which were cooked.

  console-pty.py KEELCTL SOCKET VM COMMAND WANT
Exit status 0 on success, 1 with the reason on stderr.
"""
import os
import pty
import select
import sys
import tempfile
import termios
import time


def fail(why, seen=b""):
    tail = seen[-400:].decode("utf-8", "replace")
    sys.stderr.write(f"console-pty: {why}\n--- last output ---\n{tail}\n")
    sys.exit(1)


def read_until(fd, seen, want, limit):
    """Read the master until `want` is in what came out, or limit seconds."""
    end = time.monotonic() + limit
    while want not in seen:
        left = end - time.monotonic()
        if left <= 0:
            return seen, False
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the slave side closed
                return seen, want in seen
            if not chunk:
                return seen, want in seen
            seen += chunk
    return seen, True


def main():
    if len(sys.argv) != 6:
        sys.exit("usage: console-pty.py KEELCTL SOCKET VM COMMAND WANT")
    keelctl, sock, vm, command, want = sys.argv[1:]
    with tempfile.TemporaryDirectory(prefix="keel-pty.") as tmp:
        attach(keelctl, sock, vm, command, want, tmp)


def attach(keelctl, sock, vm, command, want, tmp):
    before, after = os.path.join(tmp, "before"), os.path.join(tmp, "after")
    wrapper = ('stty -g >"$1.g"; stty -a >"$1.a"; "$3" --socket "$4" console "$5"; rc=$?; '
               'stty -g >"$2.g"; stty -a >"$2.a"; exit $rc')
    pid, fd = pty.fork()
    if pid == 0:
        os.execv("/bin/sh", ["sh", "-c", wrapper, "sh", before, after, keelctl, sock, vm])
    seen, ok = read_until(fd, b"", b"Ctrl-] detaches", 30)
    if not ok:
        fail("no 'Ctrl-] detaches' banner from keelctl console", seen)
    # Linux answers a master's tcgetattr with the slave's settings; keelctl
    # prints its banner just before it makes the terminal raw
    cooked = termios.ICANON | termios.ECHO | termios.ISIG
    end = time.monotonic() + 5
    while termios.tcgetattr(fd)[3] & cooked and time.monotonic() < end:
        time.sleep(0.05)
    lflag = termios.tcgetattr(fd)[3]
    if lflag & cooked:
        fail(f"attached, but the terminal is not raw after 5 s (lflag {lflag:#o})", seen)
    for attempt in range(3):  # the VM's shell may not have read the first yet
        os.write(fd, command.encode() + b"\r")
        seen, ok = read_until(fd, seen, want.encode(), 30)
        if ok:
            break
    if not ok:
        fail(f"'{want}' did not come back for '{command}'", seen)
    os.write(fd, b"\x1d")
    seen, ok = read_until(fd, seen, b"detached from " + vm.encode(), 15)
    if not ok:
        fail("Ctrl-] did not detach", seen)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        fail(f"keelctl console did not exit 0 (status {status:#x})", seen)
    with open(before + ".g") as b, open(after + ".g") as a:
        g0, g1 = b.read(), a.read()
    with open(before + ".a") as b:
        cooked = b.read().split()
    if g0 != g1:
        fail(f"the terminal's settings changed: {g0.strip()} before, {g1.strip()} after")
    if "icanon" not in cooked or "echo" not in cooked:
        fail("the terminal was not cooked before (the test proves nothing)")
    print(f"console-pty: raw while attached, '{want}' came back, Ctrl-] detached, "
          "settings restored")


main()
