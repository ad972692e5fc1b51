#!/usr/bin/env python3
"""Put a CPU's stack pointer at the bottom of its kernel stack, through
QEMU's gdbstub (the GDB remote protocol), so the kernel's next push lands
in that stack's guard page (tests/system/kstack-guard.sh).

usage: gdbstub.py SOCKET BREAK_ADDR SP_REGNUM STACKS_BASE STRIDE GUARD

Waits on SOCKET (QEMU's -gdb unix:...), sets a breakpoint at BREAK_ADDR
(the kernel's system-call entry), continues; when a CPU stops there, sets
its register SP_REGNUM (aarch64 sp: 31, riscv64 x2: 2) to
STACKS_BASE + cpu * STRIDE + GUARD, the lowest byte of that CPU's stack,
then detaches (QEMU removes the breakpoint and lets the machine run).
Prints "cpu N sp 0x..." on success.
"""
import socket
import sys
import time


class Stub:
    def __init__(self, path):
        for _ in range(100):
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit(f"gdbstub.py: cannot connect to {path}")
        self.s.settimeout(60)
        self.buf = b""

    def _byte(self):
        while not self.buf:
            chunk = self.s.recv(4096)
            if not chunk:
                sys.exit("gdbstub.py: QEMU closed the connection")
            self.buf += chunk
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def send(self, data):
        pkt = b"$" + data.encode() + b"#" + b"%02x" % (sum(data.encode()) & 0xFF)
        for _ in range(5):
            self.s.sendall(pkt)
            ack = self._byte()
            if ack == b"+":
                return
        sys.exit(f"gdbstub.py: {data!r} not acknowledged")

    def recv(self):
        while self._byte() != b"$":
            pass
        data = b""
        while (b := self._byte()) != b"#":
            data += b
        self._byte(), self._byte()  # checksum (a stream socket: trusted)
        self.s.sendall(b"+")
        return data.decode()

    def ask(self, data, want=None):
        self.send(data)
        reply = self.recv()
        if want is not None and reply != want:
            sys.exit(f"gdbstub.py: {data!r} answered {reply!r}, not {want!r}")
        return reply


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    path = sys.argv[1]
    brk, regnum, base, stride, guard = (int(a, 0) for a in sys.argv[2:])
    g = Stub(path)
    g.ask("?")
    # QEMU writes a register ('P') only for a client that read the target
    # description: read it (its register numbers are the ones used here)
    g.ask("qXfer:features:read:target.xml:0,ffb")
    g.ask(f"Z0,{brk:x},4", "OK")
    g.send("c")
    stop = g.recv()  # T05thread:NN; when a CPU reaches the breakpoint
    fields = dict(f.split(":", 1) for f in stop[3:].split(";") if ":" in f)
    if not stop.startswith("T05") or "thread" not in fields:
        sys.exit(f"gdbstub.py: stopped with {stop!r}, not at the breakpoint")
    thread = int(fields["thread"].split(".")[-1], 16)
    cpu = thread - 1  # QEMU numbers its CPUs' threads from 1
    sp = base + cpu * stride + guard
    g.ask(f"Hg{thread:x}", "OK")
    g.ask(f"P{regnum:x}={sp.to_bytes(8, 'little').hex()}", "OK")
    g.ask(f"z0,{brk:x},4", "OK")
    g.ask("D", "OK")
    print(f"cpu {cpu} sp {sp:#x}")


if __name__ == "__main__":
    main()
