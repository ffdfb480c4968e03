"""The console the employer confirms each request on (and types the PIN into).

Lines typed on stdin are read by one thread into a queue; a prompt first throws away what was
typed before it, so a stray "y" never confirms a request the user has not seen yet."""

from __future__ import annotations

import queue
import sys
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from bhxh_signer.errors import SignerError

_EOF = object()


def printable(text: str) -> str:
    """``text`` without control characters: a page must not move the cursor or recolour
    the console (ANSI escapes) to hide what it asks to sign."""
    return "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)


class Console:
    def __init__(self, *, stdin: TextIO, stdout: TextIO, timeout: float):
        self._in = stdin
        self._out = stdout
        self.timeout = timeout
        self._lines: queue.Queue = queue.Queue()
        self._eof = False
        self._busy = threading.Lock()
        threading.Thread(target=self._read, name="console-stdin", daemon=True).start()

    def _read(self) -> None:
        for line in iter(self._in.readline, ""):
            self._lines.put(line.rstrip("\r\n"))
        self._lines.put(_EOF)

    def say(self, text: str = "") -> None:
        self._out.write(text + "\n")
        self._out.flush()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """One request at a time talks to the user; another one meanwhile is ``signer.busy``."""
        if not self._busy.acquire(blocking=False):
            raise SignerError("signer.busy")
        try:
            yield
        finally:
            self._busy.release()

    def ask(self, prompt: str, *, hidden: bool = False) -> str | None:
        """The next line typed after ``prompt``; None when nothing came in time (or stdin
        closed)."""
        while not self._eof:
            try:
                if self._lines.get_nowait() is _EOF:
                    self._eof = True
            except queue.Empty:
                break
        if self._eof:
            return None
        self._out.write(prompt)
        self._out.flush()
        with self._echo_off(hidden):
            try:
                line = self._lines.get(timeout=self.timeout)
            except queue.Empty:
                line = None
        if hidden or line is None:
            self._out.write("\n")
            self._out.flush()
        if line is _EOF:
            self._eof = True
            return None
        return line

    @contextmanager
    def _echo_off(self, hidden: bool) -> Iterator[None]:
        """Hidden input on a terminal (the reader thread keeps reading; only echo stops)."""
        if not hidden or not self._in.isatty():
            yield
            return
        import termios

        fd = self._in.fileno()
        before = termios.tcgetattr(fd)
        quiet = termios.tcgetattr(fd)
        quiet[3] &= ~termios.ECHO
        termios.tcsetattr(fd, termios.TCSADRAIN, quiet)
        try:
            yield
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, before)

    def confirm(self, *, origin: str, summary: str, count: int, subject: str) -> bool:
        # One write for the request and one for the prompt, not a flush per line.
        self.say(
            "\n=== YÊU CẦU KÝ SỐ / SIGNING REQUEST ===\n"
            f"Trang gửi yêu cầu:  {printable(origin)}\n"
            f"Nội dung:           {printable(summary)}\n"
            f"Số chữ ký:          {count}\n"
            f"Chứng thư số:       {printable(subject)}"
        )
        answer = self.ask(
            f"Ký? Gõ y rồi Enter để đồng ý (tự từ chối sau {self.timeout:g} giây) [y/N]: "
        )
        agreed = (answer or "").strip().lower() in {"y", "yes", "có", "co"}
        self.say("-> Đã đồng ý, đang ký." if agreed else "-> Đã từ chối.")
        return agreed


def console_default(timeout: float) -> Console:
    return Console(stdin=sys.stdin, stdout=sys.stdout, timeout=timeout)
