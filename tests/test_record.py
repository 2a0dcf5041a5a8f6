"""LogRecord: attributes, message merging, factory, copying and pickling (record.rs)."""

import copy
import pickle
import sys
import threading

import pytest

from logixde import logging

from support import run_python

STDLIB_KEYS = run_python(
    "import logging; print(sorted(vars(logging.makeLogRecord({}))))", logixde=False
).stdout


def test_record_dict_holds_every_stdlib_attribute():
    assert logging.LogRecord.__module__ == "logging"
    keys = sorted(vars(logging.makeLogRecord({})))
    assert repr(keys).encode() + b"\n" == STDLIB_KEYS


def test_get_message_percent_edge_cases():
    def message(msg, args):
        return logging.LogRecord("n", logging.INFO, "p", 1, msg, args, None).getMessage()

    assert message("%(a)s-%(b)s", ({"a": 1, "b": 2},)) == "1-2"
    # An empty mapping is not used as the mapping: args stay a tuple.
    record = logging.LogRecord("n", logging.INFO, "p", 1, "x %s", ({},), None)
    assert record.args == ({},)
    assert record.getMessage() == "x {}"
    assert message("100%% sure", ()) == "100%% sure"
    assert message(12, ()) == "12"
    assert message("%r", ("q",)) == "'q'"
    with pytest.raises(TypeError):
        message("%s %s", ("only one",))


def test_single_mapping_argument_rule():
    mapping = {"k": "v"}
    record = logging.LogRecord("n", logging.INFO, "p", 1, "%(k)s", (mapping,), None)
    assert record.args is mapping


def test_thread_name_captured_at_creation_and_formatted_elsewhere():
    records = []
    worker = threading.Thread(
        target=lambda: records.append(logging.makeLogRecord({})), name="producer"
    )
    worker.start()
    worker.join()
    formatted = []
    consumer = threading.Thread(
        target=lambda: formatted.append(logging.Formatter("%(threadName)s").format(records[0])),
        name="consumer",
    )
    consumer.start()
    consumer.join()
    assert formatted == ["producer"]


def test_make_log_record_updates_dict():
    record = logging.makeLogRecord({"name": "custom", "levelno": 42, "extra_field": 1})
    assert record.name == "custom"
    assert record.extra_field == 1
    assert record.msg == ""


def test_copy_and_pickle_keep_every_attribute():
    record = logging.makeLogRecord({"msg": "m %s", "args": ("a",), "custom": [1]})
    clone = copy.copy(record)
    assert vars(clone) == vars(record)
    restored = pickle.loads(pickle.dumps(record))
    assert type(restored) is logging.LogRecord
    assert vars(restored) == vars(record)
    assert restored.getMessage() == "m a"


def test_repr():
    record = logging.LogRecord("n", logging.INFO, "/p/f.py", 7, "hi", (), None)
    assert repr(record) == '<LogRecord: n, 20, /p/f.py, 7, "hi">'


def test_msecs_and_relative_created_follow_the_version_formula():
    record = logging.makeLogRecord({})
    assert isinstance(record.msecs, float)
    assert 0.0 <= record.msecs < 1000.0
    if sys.version_info >= (3, 10):
        assert record.msecs == int(record.msecs)
    assert record.relativeCreated >= 0


def test_subclass_and_record_factory(clean_logging, capture):
    logger, stream = capture

    class TaggedRecord(logging.LogRecord):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.tag = "T"

    logging.setLogRecordFactory(TaggedRecord)
    assert logging.getLogRecordFactory() is TaggedRecord
    logger.handlers[0].setFormatter(logging.Formatter("%(tag)s %(message)s"))
    logger.info("hello")
    assert stream.getvalue() == "T hello\n"


# --------------------------------------------------------------------------- native store
# A record made by the native makeRecord keeps its attributes natively until Python asks
# for `__dict__`; everything observable must be what the stdlib's plain dict gives.

from support import assert_same_output  # noqa: E402


def test_native_record_dict_order_values_and_later_attributes():
    assert_same_output(
        """
        import io, logging, time
        time.time = lambda: 1700000000.5
        time.time_ns = lambda: 1700000000500000000
        logging._startTime = 1700000000.0
        logging._startTime = 1700000000000000000 if hasattr(logging, '_lock') else 1700000000.0
        seen = []
        class Keep(logging.Handler):
            def emit(self, record):
                self.format(record)
                seen.append(record)
        log = logging.getLogger('store')
        log.propagate = False
        h = Keep()
        h.setFormatter(logging.Formatter('%(asctime)s %(user)s %(message)s'))
        log.addHandler(h)
        log.warning('a %s', 'b', extra={'user': 'u', 'z': 1})
        r = seen[-1]
        d = vars(r)
        print(list(d))
        for k in ('name', 'msg', 'args', 'levelname', 'levelno', 'filename', 'module', 'exc_info',
                  'exc_text', 'stack_info', 'funcName', 'created', 'msecs', 'relativeCreated',
                  'threadName', 'processName', 'user', 'z', 'message', 'asctime'):
            print(k, repr(d[k]))
        print(r.__dict__ is d, type(d['thread']), type(d['process']))
        """
    )


def test_attributes_set_in_python_reach_native_formatting_without_a_dict():
    assert_same_output(
        """
        import io, logging, copy, pickle
        s = io.StringIO()
        h = logging.StreamHandler(s)
        h.setFormatter(logging.Formatter('%(req)s|%(levelname)s|%(message)s'))
        class AddReq(logging.Filter):
            def filter(self, record):
                record.req = 'R%d' % record.levelno
                record.levelname = record.levelname.lower()
                return True
        log = logging.getLogger('req')
        log.propagate = False
        log.addHandler(h)
        log.addFilter(AddReq())
        log.error('x')
        h.setFormatter(logging.Formatter('{req}|{message}', style='{'))
        log.error('y')
        h.setFormatter(logging.Formatter('${req}|${message}', style='$'))
        log.error('z')
        h.setFormatter(logging.Formatter('%(missing)s'))
        log.error('w')
        print(s.getvalue())
        """,
        internal_frames=True,
    )


def test_store_and_dict_stay_one_namespace():
    assert_same_output(
        """
        import logging, copy, pickle
        seen = []
        class Keep(logging.Handler):
            def emit(self, record):
                seen.append(record)
        log = logging.getLogger('ns')
        log.setLevel(logging.INFO)
        log.propagate = False
        log.addHandler(Keep())
        for op in range(7):
            log.info('m %d', op)
            r = seen[-1]
            if op == 0:
                vars(r)['direct'] = 1
                r.after = 2
                print(sorted(vars(r))[-3:], r.direct, r.after)
            elif op == 1:
                r.message = 'set'
                del r.message
                del r.msg
                print('msg' in vars(r), hasattr(r, 'msg'), hasattr(r, 'message'))
            elif op == 2:
                r.__dict__ = {'name': 'replaced'}
                print(vars(r), hasattr(r, 'levelno'))
            elif op == 3:
                c = copy.copy(r)
                p = pickle.loads(pickle.dumps(r))
                print(vars(c) == vars(r), vars(p) == vars(r), c.getMessage())
            elif op == 4:
                try:
                    r.nope
                except AttributeError as e:
                    print(type(e).__name__, e, getattr(e, 'name', None))
                print(getattr(r, 'nope', 'default'), hasattr(r, 'getMessage'))
            elif op == 5:
                r.getMessage = lambda: 'patched'
                print(r.getMessage(), r.__class__.__name__)
            else:
                print(repr(r)[:40], r.args, r.levelname, r.lineno > 0)
        """
    )


def test_extra_keys_checked_against_the_native_store():
    assert_same_output(
        """
        import logging
        log = logging.getLogger('extra')
        log.propagate = False
        log.addHandler(logging.NullHandler())
        for extra in ({'message': 1}, {'asctime': 1}, {'msg': 1}, {'taskName': 1},
                      {'ok': 1, 'ok2': 2}, {1: 'int key'}, {'ok': 1, 2: 'then int'}):
            try:
                log.error('x', extra=extra)
                print('ok', extra)
            except KeyError as e:
                print('KeyError', e)
        """
    )


def test_captured_thread_process_and_time_follow_patches():
    assert_same_output(
        """
        import io, logging, os, threading, time
        s = io.StringIO()
        h = logging.StreamHandler(s)
        h.setFormatter(logging.Formatter('%(threadName)s %(process)s %(created)s'))
        log = logging.getLogger('cap')
        log.propagate = False
        log.addHandler(h)
        threading.current_thread().name = 'Renamed'
        os.getpid = lambda: 4242
        time.time = lambda: 1234567890.25
        time.time_ns = lambda: 1234567890250000000
        log.error('x')
        class Named(threading.Thread):
            @property
            def name(self):
                return 'from-property'
        t = Named(target=lambda: log.error('y'))
        t.start(); t.join()
        t = threading.Thread(target=lambda: log.error('z'), name='plain')
        t.start(); t.join()
        threading.current_thread = lambda: type('T', (), {'name': 'patched-ct'})()
        log.error('w')
        print(s.getvalue())
        """
    )


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_process_id_after_fork():
    code = """
        import io, logging, os
        s = io.StringIO()
        h = logging.StreamHandler(s)
        h.setFormatter(logging.Formatter('%(process)d'))
        log = logging.getLogger('fork')
        log.addHandler(h)
        log.error('parent')
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            log.error('child')
            os.write(w, (s.getvalue().split()[-1] + ' ' + str(os.getpid())).encode())
            os._exit(0)
        os.waitpid(pid, 0)
        logged, real = os.read(r, 100).decode().split()
        print(logged == real, logged != str(os.getpid()), s.getvalue().split()[0] == str(os.getpid()))
    """
    assert_same_output(code)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="taskName is 3.12+")
def test_task_name_inside_and_outside_a_task():
    assert_same_output(
        """
        import asyncio, io, logging
        s = io.StringIO()
        h = logging.StreamHandler(s)
        h.setFormatter(logging.Formatter('%(taskName)s'))
        log = logging.getLogger('task')
        log.addHandler(h)
        log.error('outside')
        async def main():
            log.error('inside')
        asyncio.run(main(), debug=False)
        logging.logAsyncioTasks = False
        asyncio.run(main())
        print(s.getvalue())
        """
    )


def test_attribute_names_without_utf8_form():
    assert_same_output(
        r"""
        import logging
        seen = []
        class Keep(logging.Handler):
            def emit(self, record):
                seen.append(record)
        log = logging.getLogger('surrogates')
        log.propagate = False
        log.addHandler(Keep())
        log.error('x', extra={'\udcff': 1})
        r = seen[-1]
        setattr(r, '\udcfe', 2)
        setattr(r, '\udcfe', 3)
        print(getattr(r, '\udcff'), getattr(r, '\udcfe'), ascii(list(vars(r))[-2:]))
        """
    )


def test_plain_object_retyped_as_a_record():
    # coloredlogs' ColoredFormatter.format copies every styled record this way: CPython
    # allows it only between classes of one instance layout, a plain object's.
    assert_same_output(
        """
        import logging, sys
        class Empty:
            pass
        def styled(record):
            copy = Empty()
            copy.__class__ = record.__class__
            copy.__dict__.update(record.__dict__)
            copy.msg = "[styled] " + record.msg
            return copy
        record = logging.LogRecord("x", logging.INFO, "f.py", 1, "hello %s", ("world",), None)
        copy = styled(record)
        print(type(copy).__name__, copy.getMessage(), logging.Formatter("%(levelname)s %(message)s").format(copy))
        # The same inside a handler's formatter, on records the logger makes.
        class ColoredFormatter(logging.Formatter):
            def format(self, record):
                return logging.Formatter.format(self, styled(record))
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(ColoredFormatter("%(levelname)s %(name)s %(message)s %(extra_key)s"))
        log = logging.getLogger("colored")
        log.addHandler(handler)
        log.warning("hello %s", "there", extra={"extra_key": 42})
        log.error("second %d", 2, extra={"extra_key": None})
        print(type(object.__new__(logging.LogRecord)).__name__)
        """
    )


def test_patched_init_runs_for_the_loggers_records():
    # The stdlib's makeRecord calls the factory, LogRecord, whose __init__ may be patched.
    assert_same_output(
        """
        import logging, sys
        original = logging.LogRecord.__init__
        def init(self, *args, **kwargs):
            original(self, *args, **kwargs)
            self.custom = "patched"
        logging.LogRecord.__init__ = init
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(custom)s %(levelname)s %(message)s"))
        log = logging.getLogger("patched")
        log.addHandler(handler)
        log.warning("one %d", 1)
        logging.LogRecord.__init__ = original
        log.warning("two %s", 2, extra={"custom": "extra"})
        print(logging.LogRecord.__init__ is original, type(original).__name__)
        """
    )


def test_records_kept_copied_pickled_or_retyped_while_handled():
    # A record the logger makes is handed to Python code, which may keep it, copy it,
    # pickle it, retype it or read its __dict__ before the call is over.
    assert_same_output(
        """
        import copy, logging, pickle, sys
        kept = []
        class Other:
            pass
        class Collect(logging.Handler):
            def emit(self, record):
                kept.append(record)
                kept.append(copy.copy(record))
                kept.append(pickle.loads(pickle.dumps(record)))
                record.late = "late"
                print(sorted(vars(record))[:4], record.getMessage())
        class Retype(logging.Filter):
            def filter(self, record):
                if record.msg == "retype":
                    record.__class__ = Other
                    print(type(record).__name__, record.msg, record.levelname)
                    return False
                return True
        log = logging.getLogger("kept")
        log.propagate = False
        log.addHandler(Collect())
        log.addFilter(Retype())
        log.info("one %s", 1, extra={"k": "v"})
        log.warning("retype")
        for r in kept:
            print(type(r).__name__, r.getMessage(), r.k, getattr(r, "late", None), r.levelname)
        print(getattr(logging.LogRecord, "__static_attributes__", None))
        """
    )


@pytest.mark.xfail(
    strict=True,
    reason="LogRecord has its own __setattr__ and __delattr__ (the young records' store; a "
    "C-level slot would make CPython refuse object.__setattr__ and super().__setattr__)",
)
def test_class_dict_as_the_stdlibs():
    # (3.13's `__firstlineno__` would point `inspect.getsource` into the facade.)
    assert_same_output(
        """
        import logging
        print([k for k in logging.LogRecord.__dict__ if k != "__firstlineno__"])
        """
    )


def test_object_setattr_super_setattr_and_patched_setattr_as_the_stdlib():
    # CPython's object.__setattr__/__delattr__ refuse a class with a C-level __setattr__
    # ("can't apply this __setattr__"): a subclass's super().__setattr__, an explicit
    # LogRecord.__setattr__(record, ...) and object.__setattr__(record, ...) must work.
    assert_same_output(
        """
        import logging, sys
        class Upper(logging.LogRecord):
            def __setattr__(self, name, value):
                if name == "msg":
                    value = value.replace("made", "MADE").replace("direct", "DIRECT")
                super().__setattr__(name, value)
            def __delattr__(self, name):
                print("del", name)
                super().__delattr__(name)
        class Explicit(logging.LogRecord):
            def __setattr__(self, name, value):
                logging.LogRecord.__setattr__(self, name, value)
        logging.basicConfig(stream=sys.stdout, format="%(levelname)s %(name)s %(message)s %(tag)s")
        log = logging.getLogger("app")
        class Tag(logging.Filter):
            def filter(self, record):
                object.__setattr__(record, "tag", "<" + type(record).__name__ + ">")
                record.gone = 1
                del record.gone
                return True
        log.addFilter(Tag())
        log.warning("plain %s", 1)
        for cls in (Upper, Explicit):
            logging.setLogRecordFactory(cls)
            log.warning("made by %s", cls.__name__)
            r = logging.makeLogRecord({"msg": "direct", "x": 1})
            del r.x
            print(r.msg, hasattr(r, "x"), type(r).__name__)
        logging.setLogRecordFactory(logging.LogRecord)
        r = logging.LogRecord("n", 20, "p", 1, "m", (), None)
        object.__setattr__(r, "custom", 5)
        logging.LogRecord.__setattr__(r, "other", 6)
        object.__delattr__(r, "msg")
        print(r.custom, r.other, hasattr(r, "msg"), sorted(vars(r))[-3:])
        for bad in ((), ("a",), ("a", 1, 2)):
            try:
                logging.LogRecord.__setattr__(r, *bad)
            except TypeError as e:
                print("TypeError", e)
        try:
            r.__setattr__(3, 4)
        except TypeError as e:
            print("TypeError", e)
        # A __setattr__ patched onto the class runs for every assignment; put back, the
        # class is as before.
        saved = logging.LogRecord.__setattr__
        def traced(self, name, value):
            if name in ("message", "tag", "extra_key"):
                print("set", name)
            saved(self, name, value)
        logging.LogRecord.__setattr__ = traced
        log.warning("traced", extra={"extra_key": 1})
        logging.LogRecord.__setattr__ = saved
        log.warning("put back")
        print(logging.LogRecord.__setattr__ is saved)
        """
    )


def test_class_assignment_and_weak_references_as_the_stdlibs_python_classes():
    # The stdlib's classes are Python classes with __dict__ and __weakref__: a Python
    # subclass adds no slot, so `obj.__class__ = Subclass` works (Sphinx's logging filters
    # retype records this way) and every instance can be weakly referenced.
    assert_same_output(
        """
        import logging, weakref, io
        class MyRecord(logging.LogRecord):
            pass
        rec = logging.LogRecord("x", logging.INFO, "f.py", 1, "hello %s", ("a",), None)
        rec.__class__ = MyRecord
        print(type(rec).__name__, rec.getMessage(), rec.name, sorted(vars(rec))[:3])
        rec.__class__ = logging.LogRecord
        print(type(rec).__name__)
        r = logging.makeLogRecord({"msg": "m"})
        w = weakref.ref(r); print(w() is r)
        for obj in (logging.Filter("a"), logging.Filterer(), logging.getLogger("w"), logging.StreamHandler(io.StringIO()),
                    logging.Formatter(), logging.LoggerAdapter(logging.getLogger("w"), {}), logging.root.manager,
                    logging.PercentStyle("%(message)s"), logging.BufferingFormatter()):
            try:
                weakref.ref(obj); ok = True
            except TypeError as e:
                ok = str(e)
            cls = type(obj)
            sub = type("Sub" + cls.__name__, (cls,), {})
            print(cls.__name__, ok, cls.__weakrefoffset__ != 0, sub.__basicsize__ == cls.__basicsize__, "__weakref__" in sub.__dict__, "__dict__" in sub.__dict__)
        class F(logging.Filter):
            pass
        f = logging.Filter("a"); f.__class__ = F; print(type(f).__name__, f.filter(logging.makeLogRecord({"name": "a.b"})))
        class L2(logging.Logger):
            pass
        lg = logging.getLogger("cls.x"); lg.__class__ = L2; lg.addHandler(logging.NullHandler()); lg.warning("x"); print(type(lg).__name__)
        class H2(logging.StreamHandler):
            pass
        s = io.StringIO(); h = logging.StreamHandler(s); h.__class__ = H2; lg.addHandler(h); lg.warning("via H2"); print(s.getvalue().strip())
        """
    )


def test_weakref_attribute_as_the_stdlibs_python_classes():
    # `__weakref__` is a descriptor of the class that brings the slot (`Filterer` for
    # loggers and handlers): `obj.__weakref__`, `dir(obj)`.
    assert_same_output(
        """
        import logging, logging.handlers, logging.config, weakref
        for cls in (logging.Logger, logging.Handler, logging.StreamHandler, logging.LogRecord, logging.Filter,
                    logging.Formatter, logging.BufferingFormatter, logging.LoggerAdapter, logging.Manager,
                    logging.PlaceHolder, logging.PercentStyle, logging.handlers.QueueListener,
                    logging.config.BaseConfigurator):
            print(cls.__name__, repr(cls.__weakref__), "__weakref__" in dir(cls))
        class H(logging.Handler):
            pass
        h = H()
        print(type(h.__weakref__).__name__)  # the module's own reference (_handlerList)
        r = weakref.ref(h)
        print(h.__weakref__ is r)
        try:
            h.__weakref__ = 1
        except AttributeError as e:
            print("AttributeError", e)
        """
    )
