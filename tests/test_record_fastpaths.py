"""A native record's attributes read without a type lookup while LogRecord's class has no
data descriptor for them (remembered per type version: a property patched on later wins),
and `msg % args` formatted natively for plain `%s`/`%d`/`%%` messages, equal to Python's
`%` in value and in errors."""

from support import assert_same_output


def test_class_patched_after_records_were_made():
    assert_same_output(
        """
        import io, logging
        s = io.StringIO()
        h = logging.StreamHandler(s)
        log = logging.getLogger('patch'); log.propagate = False; log.addHandler(h)
        def show(r):
            print(r.levelname, r.levelno, r.msg, r.args, r.getMessage(), r.exc_text, r.name)
        log.error('one %s', 1); log.error('two %s', 2)
        early = log.makeRecord('patch', logging.ERROR, 'f', 1, 'early %s', ('x',), None)
        show(early)
        logging.LogRecord.levelname = property(lambda self: 'PROP', lambda self, v: None)
        logging.LogRecord.msg = property(lambda self: 'prop-msg %s', lambda self, v: None)
        log.error('three %s', 3)
        show(early)
        del logging.LogRecord.levelname, logging.LogRecord.msg
        log.error('four %s', 4)
        show(early)
        logging.LogRecord.exc_text = 'class-level'     # not a data descriptor: the record wins
        log.error('five')
        show(early)
        del logging.LogRecord.exc_text
        class Sub(logging.LogRecord):
            @property
            def levelno(self):
                return 50
            @levelno.setter
            def levelno(self, v):
                pass
        logging.setLogRecordFactory(Sub)
        log.warning('six')
        show(log.makeRecord('patch', logging.ERROR, 'f', 1, 'sub %s', ('x',), None))
        logging.setLogRecordFactory(logging.LogRecord)
        log.warning('seven')
        show(log.makeRecord('patch', logging.ERROR, 'f', 1, 'plain %s', ('x',), None))
        print(s.getvalue())
        """
    )


def test_plain_messages_equal_python_percent():
    assert_same_output(
        r"""
        import logging
        class S(str):
            def __str__(self):
                return 'S-str'
        class Boom:
            def __str__(self):
                raise ValueError('boom')
        class Odd:
            def __str__(self):
                return S('odd')
        class E(str):
            pass
        class Empty:
            def __str__(self):
                return S('')
        class Count:
            n = 0
            def __str__(self):
                Count.n += 1
                return 'c%d' % Count.n
        cases = [
            ('msg %s %d', ('spam', 42)),
            ('%s', ('',)), ('%d', (0,)), ('%d%d', (-1, -9223372036854775808)),
            ('%d', (9223372036854775807,)), ('%d', (9223372036854775808,)), ('%d', (-10**30,)),
            ('%d', (True,)), ('%s', (True,)), ('%d', (3.7,)), ('%d', ('x',)), ('%s', (None,)),
            ('%s', (S('sub'),)), ('%s', (Odd(),)), ('%s %s', (Count(), Boom())), ('%s %s', (Count(), Count())),
            ('100%% %s', ('sure',)), ('%%%s%%', ('x',)), ('%s%%', ('x',)), ('a%', ('x',)), ('%s %', ('x',)),
            ('%5d', (1,)), ('%-s', ('x',)), ('%(a)s', ({'a': 1},)), ('%r', ('x',)), ('%.2s', ('xyz',)),
            ('%s', ('x', 'y')), ('%s %s', ('x',)), ('no conversions', ('x',)), ('%%', ('x',)),
            ('%s', ('héllo',)), ('héllo %s', ('x',)), ('%s|%d', ('€', 7)), ('%s', ('\udc80',)),
            ('%s %s', ('a\U0001F600', 'b')), ('%s', ((1, 2),)), ('%s', ([1],)), ('%d', (10**18,)),
            ('%s' * 8, tuple(range(8))), ('%s' * 9, tuple(range(9))), ('%s\x00%s', ('a', 'b')),
            (42, ('x',)), (S('sub %s'), ('x',)),
            ('%s%s', ('', Odd())), ('%s%s', (Odd(), '')), ('%d%s', (1, Odd())), ('x%s', (Odd(),)),
            ('%s%%', (Odd(),)), ('%s', (E('e'),)), ('%s', (E(''),)), ('%s%s', ('', '')), ('%s', (Empty(),)),
        ]
        for msg, args in cases:
            r = logging.LogRecord('n', logging.INFO, 'p', 1, msg, args, None)
            try:
                m = r.getMessage()
                print(repr(m), type(m).__name__)
            except Exception as e:
                print(type(e).__name__, e)
        print(Count.n)
        a = 'x' * 3
        print(logging.LogRecord('n', 20, 'p', 1, '%s', (a,), None).getMessage() is a)
        """
    )


def test_plain_messages_through_handlers():
    assert_same_output(
        """
        import io, logging, sys
        s = io.StringIO()
        h = logging.StreamHandler(s)
        log = logging.getLogger('plain'); log.propagate = False; log.addHandler(h)
        for i in range(3):
            log.info('msg %s %d', 'spam', i)
        log.info('%s and %d%%', 'café', -5)
        logging.raiseExceptions = True
        log.info('%d', 'not a number')
        sys.stderr.write(s.getvalue())
        """,
        internal_frames=True,
    )


def test_formatter_writes_and_time_reads_follow_the_class_and_record():
    # `message`/`asctime` are stored natively while LogRecord has no data descriptor for
    # them; `created`/`msecs` are read from the record's clock until something is assigned.
    assert_same_output(
        """
        import io, logging, time
        s = io.StringIO()
        h = logging.StreamHandler(s)
        h.setFormatter(logging.Formatter('%(asctime)s|%(message)s'))
        log = logging.getLogger('written'); log.propagate = False; log.addHandler(h)
        seen = []
        def fmt(record):
            try:
                return h.format(record)[-6:]
            except ValueError as e:
                return 'ValueError: %s' % e
        logging.LogRecord.message = property(lambda self: 'PROP', lambda self, v: seen.append(('message', v)))
        print(fmt(log.makeRecord('written', logging.ERROR, 'f', 1, 'one %s', (1,), None)))
        del logging.LogRecord.message
        logging.LogRecord.asctime = property(lambda self: 'ASC', lambda self, v: seen.append(('asctime', len(v))))
        print(fmt(log.makeRecord('written', logging.ERROR, 'f', 1, 'two %s', (2,), None)))
        del logging.LogRecord.asctime
        log.error('three %s', 3)
        print(seen)
        f = logging.Formatter('%(asctime)s %(message)s')
        r = logging.makeLogRecord({'msg': 'fixed'})
        r.created = 1700000000.25
        r.msecs = 250.0
        print(f.format(r)[-9:], r.asctime[-4:], r.message)
        r2 = log.makeRecord('written', logging.INFO, 'f', 1, 'x', (), None)
        c = r2.created
        print(f.formatTime(r2) == f.formatTime(r2), type(r2.created).__name__, r2.created == c)
        r3 = log.makeRecord('written', logging.INFO, 'f', 1, 'x', (), None)
        r3.msecs = 7
        print(f.formatTime(r3)[-4:])
        r4 = log.makeRecord('written', logging.INFO, 'f', 1, 'x', (), None)
        got = []
        f.converter = lambda t: (got.append(type(t).__name__), time.gmtime(0))[1]
        print(f.formatTime(r4)[:19], got)
        f2 = logging.Formatter('%(asctime)s')
        f2.default_msec_format = '%s.%03d'
        r5 = logging.makeLogRecord({'msg': 'x'}); r5.created = 0.0; r5.msecs = 5.5
        f2.converter = time.gmtime
        print(f2.formatTime(r5))
        print(s.getvalue().count('|'))
        """
    )


def test_reads_of_a_record_with_properties_keep_the_stdlib_order():
    # Fields read ahead only from a natively held record; a record whose attributes are
    # properties sees each read when the stdlib makes it.
    assert_same_output(
        """
        import io, logging
        reads = []
        class Traced(logging.LogRecord):
            def _get(name):
                def get(self):
                    reads.append(name)
                    return self.__dict__['_' + name]
                def set(self, value):
                    self.__dict__['_' + name] = value
                return property(get, set)
            msg = _get('msg'); args = _get('args')
            exc_info = _get('exc_info'); exc_text = _get('exc_text'); stack_info = _get('stack_info')
        class Msg:
            def __str__(self):
                reads.append('str(msg)')
                return 'm %s'
        logging.setLogRecordFactory(Traced)
        s = io.StringIO()
        h = logging.StreamHandler(s)
        lg = logging.getLogger('traced'); lg.propagate = False; lg.addHandler(h)
        lg.warning(Msg(), 1)
        lg.warning('plain %s', 2, stack_info=True)
        try:
            1 / 0
        except ZeroDivisionError:
            lg.exception('boom %s', 3)
        print(reads)
        print(s.getvalue().splitlines()[0], s.getvalue().count('ZeroDivisionError'))
        """
    )
