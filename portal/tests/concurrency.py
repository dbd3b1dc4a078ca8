"""Real concurrency in tests: calls run side by side, each in its own thread and so in its own
database connection (Django's connections are per thread), released together by a barrier."""

import threading

from django.db import connections


def run_together(calls, *, timeout=60):
    """Run each call in its own thread, all released at once; returns, in order, what each
    returned or raised (an exception is returned, never lost in its thread)."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except Exception as error:  # collected and asserted on by the test
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes
