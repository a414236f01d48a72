"""The site, with each answer naming the process that served it (for tests/test_every_worker.py)."""

import os

from emulation.wsgi import application as site


def application(environ, start_response):
    def start(status, headers, *args):
        return start_response(status, [*headers, ("X-Worker", str(os.getpid()))], *args)

    return site(environ, start)
