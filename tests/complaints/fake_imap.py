"""A small IMAP4rev1 server in a thread, speaking just what `aftersales mail fetch` sends
(CAPABILITY, LOGIN, SELECT, UID SEARCH UNSEEN, UID FETCH, UID STORE +FLAGS, LOGOUT), so the
tests run the real imaplib over a real socket."""

from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Mail:
    raw: bytes
    internaldate: str = "09-Mar-2026 10:00:00 +0800"
    flags: set[str] = field(default_factory=set)


@dataclass
class Mailbox:
    user: str = "kefu"
    password: str = "secret pass"
    folder: str = "INBOX"
    mails: dict[int, Mail] = field(default_factory=dict)
    refuse_store: int = 0  # how many STOREs to answer NO (a fetch cut short)
    commands: list[str] = field(default_factory=list)

    def add(self, raw: bytes, **kw) -> int:
        uid = max(self.mails, default=0) + 1
        self.mails[uid] = Mail(raw, **kw)
        return uid


class _Handler(socketserver.StreamRequestHandler):
    def _send(self, line: bytes) -> None:
        self.wfile.write(line + b"\r\n")

    def handle(self) -> None:
        box: Mailbox = self.server.mailbox
        self._send(b"* OK [CAPABILITY IMAP4rev1] fake ready")
        while line := self.rfile.readline():
            tag, _, rest = line.decode().rstrip("\r\n").partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            box.commands.append(f"{command} {args}".strip())
            if command == "CAPABILITY":
                self._send(b"* CAPABILITY IMAP4rev1")
            elif command == "LOGIN":
                user, password = re.findall(r'"((?:[^"\\]|\\.)*)"|(\S+)', args)[:2]
                given = [u or v for u, v in (user, password)]
                if given != [box.user, box.password]:
                    self._send(f"{tag} NO [AUTHENTICATIONFAILED] wrong".encode())
                    continue
            elif command == "SELECT":
                self._send(f"* {len(box.mails)} EXISTS".encode())
                self._send(b"* FLAGS (\\Seen)")
                self._send(f"{tag} OK [READ-WRITE] SELECT completed".encode())
                continue
            elif command == "UID":
                self._uid(tag, args, box)
                continue
            elif command == "LOGOUT":
                self._send(b"* BYE logging out")
                self._send(f"{tag} OK LOGOUT completed".encode())
                return
            else:
                self._send(f"{tag} BAD unknown command".encode())
                continue
            self._send(f"{tag} OK {command} completed".encode())

    def _uid(self, tag: str, args: str, box: Mailbox) -> None:
        sub, _, rest = args.partition(" ")
        sub = sub.upper()
        if sub == "SEARCH":
            unseen = [str(u) for u, m in sorted(box.mails.items()) if "\\Seen" not in m.flags]
            self._send(("* SEARCH " + " ".join(unseen)).rstrip().encode())
        elif sub == "FETCH":
            uid = int(rest.split(" ", 1)[0])
            mail = box.mails[uid]
            head = f'* {uid} FETCH (UID {uid} INTERNALDATE "{mail.internaldate}" BODY[] '
            self.wfile.write(head.encode() + b"{%d}\r\n" % len(mail.raw) + mail.raw)
            self._send(b")")
        elif sub == "STORE":
            uid = int(rest.split(" ", 1)[0])
            if box.refuse_store:
                box.refuse_store -= 1
                self._send(f"{tag} NO STORE failed".encode())
                return
            box.mails[uid].flags.add("\\Seen")
            self._send(f"* {uid} FETCH (UID {uid} FLAGS (\\Seen))".encode())
        self._send(f"{tag} OK UID {sub} completed".encode())


class FakeImapServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mailbox: Mailbox) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mailbox = mailbox
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def __enter__(self) -> FakeImapServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()
