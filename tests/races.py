"""Running writes at the same moment, for the tests of concurrent saves and reviews."""

import threading

from django.db import connection
from django.utils import translation

from targets import workflow


def race(workers) -> tuple[list, list]:
    """Run the callables at the same moment, each in its own thread and database connection:
    (what each returned, the message of each refusal, in English). Any other error fails the test."""
    barrier = threading.Barrier(len(workers))
    results, refusals, errors = [None] * len(workers), [None] * len(workers), []

    def run(i, work):
        try:
            barrier.wait()
            with translation.override("en"):
                results[i] = work()
        except workflow.EntryRefused as refused:
            refusals[i] = refused.message
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    return results, refusals
