"""logging.Filter and Filterer (rust/filter.rs), compared with the stdlib."""

import textwrap

from support import TRACED_PROPERTIES, assert_same_output


def test_filter_reads_its_fields_and_the_record_name_as_the_stdlib_does():
    # Filter.filter reads self.nlen, self.name and record.name at each use (properties see
    # every read); __init__ assigns name before len(name) can fail; a plain Filter with a
    # plain record answers the same.
    assert_same_output(
        TRACED_PROPERTIES
        + textwrap.dedent(
            """
        import logging, sys
        class F(logging.Filter):
            name = traced('name'); nlen = traced('nlen')
        class R(logging.LogRecord):
            name = traced('record.name')
        f = F('a.b')
        print(reads); reads.clear()
        for n in ('a.b', 'a.b.c', 'a.bc', 'x', 'a'):
            r = R(n, 20, 'p', 1, 'm', (), None)
            reads.clear()
            print(n, f.filter(r), reads); reads.clear()
            print(n, logging.Filter('a.b').filter(r), reads); reads.clear()
        print(logging.Filter().filter(logging.makeLogRecord({'name': 'zz'})))
        g = logging.Filter('q'); g.nlen = 0
        print(g.filter(logging.makeLogRecord({'name': 'zz'})))
        try:
            F(5)
        except TypeError as e:
            print('TypeError', e, reads)
            """
        )
    )


def test_filter_name_is_taken_as_given():
    # `name=''` is the default only when omitted: `len(None)` fails as in the stdlib.
    assert_same_output(
        """
        import logging
        for name in (None, 3, "a.b"):
            try:
                f = logging.Filter(name)
                print(repr(f.name), f.nlen)
            except TypeError as e:
                print("TypeError", e)
        """
    )
