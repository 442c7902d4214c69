"""An SMTP sink on 127.0.0.1 that keeps every message it accepted and, when
asked, holds one message unanswered so that the worker sending it can be
killed in the middle of its task."""

import re
import socketserver
import threading
import time
from pathlib import Path

HOLD_SECONDS = 90
MESSAGE_ID = re.compile(r"^Message-ID:\s*(<[^>]+>)", re.IGNORECASE | re.MULTILINE)


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self):
        self.reply("220 sink ready")
        while line := self.rfile.readline():
            verb = line[:4].decode(errors="replace").upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb == "DATA":
                self.reply("354 go ahead")
                if not self._take(self._read_data()):
                    return
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")

    def _read_data(self) -> str:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line.decode(errors="replace"))
        return "".join(lines)

    def _take(self, data: str) -> bool:
        """Accept the message, or hold it when asked to; False when the
        sender went away while held."""
        found = MESSAGE_ID.search(data)
        message_id = found.group(1) if found else ""
        if self.server.hold_requested() and not self._hold(message_id):
            self.server.record("aborted", message_id)
            return False
        self.server.record("accepted", message_id)
        self.reply("250 queued")
        return True

    def _hold(self, message_id: str) -> bool:
        client_port = self.client_address[1]
        self.server.held.write_text(f"{client_port} {message_id}\n")
        self.connection.settimeout(HOLD_SECONDS)
        try:
            # A real server would not have delivered a message it never
            # acknowledged: one the sender abandons is dropped.
            return self.connection.recv(1) != b""
        except TimeoutError:
            return True
        except OSError:
            return False


class SmtpSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, control: Path):
        super().__init__(("127.0.0.1", port), _Handler)
        self.control = control
        self.held = control / "mail-held"
        self.lock = threading.Lock()
        self.messages = {"accepted": [], "aborted": []}

    def hold_requested(self) -> bool:
        request = self.control / "hold-mail"
        with self.lock:
            if not request.exists():
                return False
            request.unlink()
            return True

    def record(self, outcome: str, message_id: str) -> None:
        with self.lock:
            self.messages[outcome].append((time.time(), message_id))

    def start(self) -> None:
        threading.Thread(target=self.serve_forever, daemon=True).start()
