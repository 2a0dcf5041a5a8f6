"""Garbage collection while native objects are made and used (`rust/gc.rs`)."""

import textwrap

from support import assert_same_output


def test_collections_at_every_allocation_while_objects_are_made_and_records_handled():
    # On 3.11 `object.__new__` makes a new instance's dict after the collector tracks the
    # instance and before its native fields are written: a collection there traverses an
    # instance whose fields are still zeroed memory (a crash, once in a few hundred objects
    # with the default thresholds). A threshold of 1 collects at every allocation.
    assert_same_output(
        textwrap.dedent(
            """
            import gc, io, logging, logging.handlers, queue, sys
            gc.set_threshold(1, 1, 1)
            made = []
            for i in range(300):
                log = logging.Logger("gc%d" % i)
                stream = io.StringIO()
                handler = logging.StreamHandler(stream)
                handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
                log.addHandler(handler)
                log.addFilter(logging.Filter("gc"))
                log.addHandler(logging.handlers.QueueHandler(queue.Queue()))
                logging.LoggerAdapter(log, {"k": i}).warning("adapter %d", i)
                log.error("record %d", i, extra={"i": i})
                made.append((logging.Manager(log), logging.PlaceHolder(log), logging.Filterer(),
                             logging.BufferingFormatter(), logging.LogRecord("r", 10, "p", 1, "m", (), None)))
                if i % 100 == 0:
                    print(stream.getvalue(), end="")
            print(len(made), logging.getLogger("gc.child").parent.name)
            """
        )
    )
