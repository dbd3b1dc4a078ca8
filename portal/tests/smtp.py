"""A real SMTP server for tests and benches (aiosmtpd in a thread of the calling process).

``SmtpSink(responses=[...])`` answers DATA with the scripted replies in order ("451 …", "550 …"),
then "250 OK"; ``hold()`` makes it keep accepted messages waiting before answering, to kill a
worker between "the server has the message" and "the worker knows it".
"""

import asyncio
import re
import socket
import threading
from email import message_from_bytes
from email.policy import default as default_policy

from aiosmtpd.controller import Controller

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.MULTILINE | re.IGNORECASE)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    def __init__(self, responses=(), port=None):
        self.responses = list(responses)
        self.raw = []
        self.sessions = []
        self.running = False
        self.port = port or free_port()
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._released.set()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    # aiosmtpd handler hooks
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self._lock:
            self.sessions.append(hostname)
        return responses

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            reply = self.responses.pop(0) if self.responses else "250 OK"
            if reply.startswith("250"):
                self.raw.append(envelope.original_content)  # parsed on demand: the bench needs speed
        while not self._released.is_set():
            await asyncio.sleep(0.05)
        return reply

    def hold(self):
        self._released.clear()

    def release(self):
        self._released.set()

    @property
    def messages(self):
        with self._lock:
            raw = list(self.raw)
        return [message_from_bytes(content, policy=default_policy) for content in raw]

    def message_ids(self):
        with self._lock:
            raw = list(self.raw)
        return [_MESSAGE_ID.search(content).group(1).decode() for content in raw]

    def start(self):
        self.controller.start()
        self.running = True
        return self

    def stop(self):
        self.release()
        if self.running:
            self.running = False
            self.controller.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def email_settings(self):
        """The Django settings that point the SMTP backend here."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 10,
        }

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"
