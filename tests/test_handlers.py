"""logging.handlers: buffering, queue, rotating, watched, socket, syslog, HTTP and SMTP handlers.

Behaviour follows the running interpreter's stdlib; where versions differ the test says so.
"""

import http.server
import io
import os
import pickle
import queue
import socket
import struct
import sys
import threading
import time

import pytest

from logixde import logging
import logging.handlers as H  # noqa: E402  (logixde's, once activated)

from support import assert_same_output

PY = sys.version_info[:2]


def record(**kw):
    kw.setdefault("msg", "hello %s")
    kw.setdefault("args", ("world",))
    return logging.makeLogRecord(kw)


def own_keys(obj):
    return [k for k in vars(obj) if k != "filters"]


def test_module_identity():
    assert H.__name__ == "logging.handlers"
    for cls in (H.BufferingHandler, H.MemoryHandler, H.QueueHandler, H.QueueListener,
                H.RotatingFileHandler, H.TimedRotatingFileHandler, H.WatchedFileHandler,
                H.SocketHandler, H.DatagramHandler, H.SysLogHandler, H.SMTPHandler, H.HTTPHandler):
        assert cls.__module__ == "logging.handlers"
    assert issubclass(H.RotatingFileHandler, logging.FileHandler)
    assert (H.DEFAULT_TCP_LOGGING_PORT, H.DEFAULT_UDP_LOGGING_PORT, H.DEFAULT_HTTP_LOGGING_PORT,
            H.DEFAULT_SOAP_LOGGING_PORT, H.SYSLOG_UDP_PORT, H.SYSLOG_TCP_PORT) == (9020, 9021, 9022, 9023, 514, 514)


# --------------------------------------------------------------------------- buffering


def test_buffering_handler(clean_logging):
    b = H.BufferingHandler(2)
    r = record()
    assert not b.shouldFlush(r)
    b.handle(r)
    assert b.buffer == [r]
    b.handle(r)  # reaches capacity: flush() empties the buffer
    assert b.buffer == []
    assert H.BufferingHandler(0).shouldFlush(r)


def test_buffering_handler_subclass_like_test_support(clean_logging):
    # test.support.logging_helper.TestHandler
    class TestHandler(H.BufferingHandler):
        def __init__(self, matcher):
            H.BufferingHandler.__init__(self, 0)
            self.matcher = matcher

        def shouldFlush(self):
            return False

        def emit(self, record):
            self.format(record)
            self.buffer.append(record.__dict__)

    t = TestHandler(None)
    t.handle(record())
    assert t.buffer[0]["message"] == "hello world"


def test_memory_handler(clean_logging):
    out = io.StringIO()
    target = logging.StreamHandler(out)
    m = H.MemoryHandler(3, target=target)
    assert (m.capacity, m.flushLevel, m.target, m.flushOnClose) == (3, logging.ERROR, target, True)
    m.handle(record(levelno=logging.WARNING))
    assert out.getvalue() == ""
    m.handle(record(msg="err", args=(), levelno=logging.ERROR))
    assert out.getvalue() == "hello world\nerr\n" and m.buffer == []
    m.handle(record(levelno=logging.WARNING))
    m.close()
    assert out.getvalue().count("hello world") == 2
    assert m.target is None


def test_memory_handler_without_target_keeps_buffer(clean_logging):
    m = H.MemoryHandler(10, flushLevel=logging.CRITICAL, flushOnClose=False)
    m.handle(record(levelno=logging.ERROR))
    m.flush()
    assert len(m.buffer) == 1
    out = io.StringIO()
    m.setTarget(logging.StreamHandler(out))
    m.close()
    assert out.getvalue() == ""  # flushOnClose=False


# --------------------------------------------------------------------------- queue


def test_queue_handler_prepare_copies_the_record(clean_logging):
    q = queue.Queue()
    qh = H.QueueHandler(q)
    if PY >= (3, 12):
        assert qh.listener is None
    r = record(stack_info="STACK")
    qh.handle(r)
    p = q.get_nowait()
    assert p is not r
    assert p.msg == p.message == "hello world\nSTACK"
    assert (p.args, p.exc_info, p.exc_text) == (None, None, None)
    assert p.stack_info is (None if PY >= (3, 10) else "STACK")
    assert r.msg == "hello %s" and r.args == ("world",)


def test_queue_handler_errors_go_to_handle_error(clean_logging):
    seen = []

    class Full:
        def put_nowait(self, item):
            raise queue.Full

    class QH(H.QueueHandler):
        def handleError(self, record):
            seen.append(sys.exc_info()[0])

    QH(Full()).handle(record())
    assert seen == [queue.Full]


def test_queue_listener(clean_logging):
    q = queue.Queue()
    out = io.StringIO()
    target = logging.StreamHandler(out)
    target.setLevel(logging.ERROR)
    qh = H.QueueHandler(q)
    listener = H.QueueListener(q, target)
    assert own_keys(listener) == ["queue", "handlers", "_thread", "respect_handler_level"]
    assert listener.handlers == (target,) and H.QueueListener._sentinel is None
    listener.start()
    qh.handle(record(levelno=logging.WARNING))
    qh.handle(record(msg="err", args=(), levelno=logging.ERROR))
    listener.stop()
    assert out.getvalue() == "hello world\nerr\n"
    assert listener._thread is None

    listener = H.QueueListener(q, target, respect_handler_level=True)
    listener.start()
    qh.handle(record(levelno=logging.WARNING))
    qh.handle(record(msg="err", args=(), levelno=logging.ERROR))
    listener.stop()
    assert out.getvalue() == "hello world\nerr\nerr\n"


def test_queue_listener_stop_twice(clean_logging):
    listener = H.QueueListener(queue.Queue())
    listener.start()
    listener.stop()
    fixed = sys.version_info >= (3, 13) or (3, 12, 2) <= sys.version_info[:3] or (
        sys.version_info[:2] == (3, 11) and sys.version_info[:3] >= (3, 11, 8))
    if fixed:
        listener.stop()  # gh-114706
    else:
        with pytest.raises(AttributeError):
            listener.stop()


def test_queue_listener_handle_is_dispatched(clean_logging, monkeypatch):
    handled = []
    monkeypatch.setattr(H.QueueListener, "handle", lambda self, record: handled.append(record.msg))
    q = queue.Queue()
    listener = H.QueueListener(q)
    listener.start()
    H.QueueHandler(q).handle(record())
    listener.stop()
    assert handled == ["hello world"]


def test_queue_listener_without_task_done_and_on_empty(clean_logging):
    class Simple:
        def __init__(self):
            self.q = queue.SimpleQueue()

        def put_nowait(self, item):
            self.q.put_nowait(item)

        def get(self, block):
            return self.q.get(block)

    class AlwaysEmpty:
        def get(self, block):
            raise queue.Empty

    got = []
    h = logging.Handler()
    h.emit = lambda r: got.append(r.msg)
    sq = Simple()
    listener = H.QueueListener(sq, h)
    listener.start()
    H.QueueHandler(sq).handle(record())
    listener.stop()
    assert got == ["hello world"]
    listener = H.QueueListener(AlwaysEmpty())
    listener.start()
    listener._thread.join(5)
    assert not listener._thread.is_alive()


# --------------------------------------------------------------------------- rotating


def files(d):
    return {f: (d / f).read_text() for f in sorted(os.listdir(d))}


def test_rotating_file_handler(tmp_path, clean_logging):
    fn = tmp_path / "a.log"
    h = H.RotatingFileHandler(fn, "w", maxBytes=30, backupCount=2)
    assert h.mode == "a"  # maxBytes > 0 forces append
    assert (h.maxBytes, h.backupCount, h.namer, h.rotator) == (30, 2, None, None)
    for i in range(7):
        h.handle(record(msg="msg number %d" % i, args=()))
    h.close()
    assert files(tmp_path) == {
        "a.log": "msg number 6\n",
        "a.log.1": "msg number 4\nmsg number 5\n",
        "a.log.2": "msg number 2\nmsg number 3\n",
    }


def test_rotating_namer_and_rotator(tmp_path, clean_logging):
    fn = tmp_path / "b.log"
    h = H.RotatingFileHandler(fn, maxBytes=20, backupCount=2, delay=True)
    h.namer = lambda name: name + ".gz"

    def rotator(source, dest):
        with open(source) as s, open(dest, "w") as d:
            d.write("R:" + s.read())
        os.remove(source)

    h.rotator = rotator
    for i in range(5):
        h.handle(record(msg="msg number %d" % i, args=()))
    h.close()
    assert sorted(files(tmp_path)) == ["b.log", "b.log.1.gz", "b.log.2.gz"]
    assert files(tmp_path)["b.log.1.gz"].startswith("R:")


def test_rotating_should_rollover_rules(tmp_path, clean_logging):
    fn = tmp_path / "c.log"
    fn.write_text("")
    h = H.RotatingFileHandler(fn, maxBytes=1)
    new_rules = sys.version_info[:3] >= (3, 12, 3)
    # gh-116263 (new rules): never rollover an empty file
    assert h.shouldRollover(record()) is (not new_rules)
    h.close()
    dn = H.RotatingFileHandler(os.devnull, maxBytes=1)
    assert dn.shouldRollover(record()) is False  # bpo-45401: not a regular file
    dn.close()


def test_base_rotating_handler_errors_go_to_handle_error(tmp_path, clean_logging, monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    b = H.BaseRotatingHandler(tmp_path / "d.log", "a")
    assert b.rotation_filename("x") == "x"
    b.namer = str.upper
    assert b.rotation_filename("x") == "X"
    b.handle(record())  # no shouldRollover: AttributeError → handleError
    b.close()
    assert "AttributeError" in err.getvalue() and "shouldRollover" in err.getvalue()


def test_timed_rotating_compute_rollover_matches_stdlib():
    assert_same_output(
        """
        import logging, logging.handlers, datetime, tempfile, os
        d = tempfile.mkdtemp(); fn = os.path.join(d, "t.log")
        for when in ("S", "M", "H", "D", "MIDNIGHT", "W0", "W3", "w6"):
            for utc in (False, True):
                for at in (None, datetime.time(12, 30, 15)):
                    h = logging.handlers.TimedRotatingFileHandler(
                        fn, when=when, interval=2, backupCount=3, utc=utc, atTime=at, delay=True)
                    print(when, h.when, h.interval, h.suffix, h.extMatch.pattern,
                          [h.computeRollover(t) for t in (0, 86399, 1700000000, 1711846800, 1730000000)])
                    h.close()
        for bad in ("W", "W7", "X"):
            try:
                logging.handlers.TimedRotatingFileHandler(fn, when=bad, delay=True)
            except ValueError as e:
                print(e)
        """
    )


def test_timed_rotating_files_to_delete_matches_stdlib():
    assert_same_output(
        """
        import logging, logging.handlers, tempfile, os
        d = tempfile.mkdtemp(); fn = os.path.join(d, "t.log")
        for n in ["t.log", "t.log.2020-01-01", "t.log.2020-01-02", "t.log.2020-01-03",
                  "t.log.2020-01-04.gz", "t.2020-01-05.log", "t.log.x", "other.2020-01-01"]:
            open(os.path.join(d, n), "w").close()
        h = logging.handlers.TimedRotatingFileHandler(fn, when="D", backupCount=2, delay=True)
        print(sorted(os.path.basename(p) for p in h.getFilesToDelete()))
        h.namer = lambda n: n + ".gz"
        print(sorted(os.path.basename(p) for p in h.getFilesToDelete()))
        h.close()
        """
    )


def test_timed_rotating_rollover(tmp_path, clean_logging):
    fn = tmp_path / "t.log"
    h = H.TimedRotatingFileHandler(fn, when="S", backupCount=1)
    h.handle(record())
    h.rolloverAt = int(time.time()) - 5
    assert h.shouldRollover(record())
    h.handle(record())
    assert h.rolloverAt > time.time() - 1
    h.close()
    rotated = [f for f in os.listdir(tmp_path) if f.startswith("t.log.")]
    assert len(rotated) == 1


# --------------------------------------------------------------------------- watched


def test_watched_file_handler(tmp_path, clean_logging):
    fn = tmp_path / "w.log"
    h = H.WatchedFileHandler(fn, encoding="utf-8", delay=True)
    assert (h.dev, h.ino) == (-1, -1)
    h.handle(record())
    os.unlink(fn)
    h.handle(record())  # recreated
    assert fn.read_text() == "hello world\n"
    os.rename(fn, tmp_path / "w.old")
    h.handle(record())
    h.close()
    assert fn.read_text() == "hello world\n"
    assert h.dev > 0 and h.ino > 0


# --------------------------------------------------------------------------- network


def test_datagram_and_syslog_handlers(clean_logging):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    u.settimeout(5)
    port = u.getsockname()[1]
    try:
        s = H.SysLogHandler(("127.0.0.1", port))
        assert (s.unixsocket, s.socktype, s.facility) == (False, socket.SOCK_DGRAM, s.LOG_USER)
        assert hasattr(s, "createSocket") is (PY >= (3, 11))
        s.handle(record(levelname="ERROR"))
        assert u.recvfrom(1000)[0] == b"<11>hello world\x00"
        s.ident, s.append_nul, s.facility = "me: ", False, "local3"
        s.handle(record(levelname="CUSTOM"))
        assert u.recvfrom(1000)[0] == b"<156>me: hello world"
        assert s.encodePriority("auth", "crit") == 34
        s.close()

        d = H.DatagramHandler("127.0.0.1", port)
        d.handle(record())
        data = u.recvfrom(10000)[0]
        assert struct.unpack(">L", data[:4])[0] == len(data) - 4
        sent = pickle.loads(data[4:])
        assert (sent["msg"], sent["args"], "message" in sent) == ("hello world", None, False)
        d.close()
    finally:
        u.close()


def test_socket_handler_and_retry(clean_logging):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    try:
        h = H.SocketHandler("127.0.0.1", server.getsockname()[1])
        h.handle(record())
        conn, _ = server.accept()
        conn.settimeout(5)
        n = struct.unpack(">L", conn.recv(4))[0]
        body = b""
        while len(body) < n:
            body += conn.recv(n - len(body))
        assert pickle.loads(body)["msg"] == "hello world"
        h.close()
        assert h.sock is None
        conn.close()
    finally:
        server.close()
    bad = H.SocketHandler("127.0.0.1", 1)
    bad.handle(record())
    assert bad.sock is None and bad.retryPeriod == 1.0 and bad.retryTime is not None
    bad.close()


def test_http_handler(clean_logging):
    with pytest.raises(ValueError, match="method must be GET or POST"):
        H.HTTPHandler("localhost", "/log", "PUT")
    with pytest.raises(ValueError, match="context parameter only makes sense with secure=True"):
        H.HTTPHandler("localhost", "/log", context=object())
    got = []

    class Req(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            got.append(self.path)
            self.send_response(200)
            self.end_headers()

        def do_POST(self):
            got.append((self.headers["Authorization"], self.rfile.read(int(self.headers["Content-length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    class Mapped(H.HTTPHandler):
        def mapLogRecord(self, record):
            return {"m": record.getMessage()}

    srv = http.server.HTTPServer(("127.0.0.1", 0), Req)
    t = threading.Thread(target=srv.serve_forever)
    t.start()
    try:
        host = "127.0.0.1:%d" % srv.server_address[1]
        Mapped(host, "/log?x=1").handle(record())
        Mapped(host, "/p", "post", credentials=("u", "p")).handle(record())
    finally:
        srv.shutdown()
        t.join()
    assert got == ["/log?x=1&m=hello+world", ("Basic dTpw", b"m=hello+world")]


def test_smtp_handler_attributes(clean_logging):
    sm = H.SMTPHandler(("localhost", 1025), "me@x", "you@y", "Subj", credentials=("u", "p"), secure=())
    assert (sm.mailhost, sm.mailport, sm.username, sm.password, sm.toaddrs, sm.secure, sm.timeout) == (
        "localhost", 1025, "u", "p", ["you@y"], (), 5.0)
    assert sm.getSubject(record()) == "Subj"
    sm2 = H.SMTPHandler("localhost", "me@x", ["a", "b"], "S")
    assert (sm2.mailport, sm2.username) == (None, None)


# --------------------------------------------------------------------------- queue: fast paths
#
# QueueHandler.prepare copies each record natively when `copy.copy` would run the default
# protocol (see record::copy_natively), and QueueHandler/QueueListener/RotatingFileHandler
# call their own methods natively unless overridden. Each case below runs under the stdlib
# and under logixde and must print the same.

_QUEUE_COPY_PRELUDE = """
import copy, copyreg, io, logging, logging.handlers as H, queue, sys

q = queue.Queue()
qh = H.QueueHandler(q)
log = logging.getLogger("qcopy")
log.propagate = False
log.setLevel(logging.DEBUG)
log.addHandler(qh)
TIMES = ("created", "msecs", "relativeCreated", "thread", "process", "processName",
         "threadName", "taskName", "pathname", "filename", "lineno", "module", "funcName")

def show(tag, extra=None):
    log.info("hello %s %d", "spam", 42, extra=extra)
    p = q.get_nowait()
    d = vars(p) if hasattr(p, "__dict__") else None
    out = [tag, type(p).__name__]
    if d is not None:
        out.append([(k, v) for k, v in d.items() if k not in TIMES and not callable(v)])
        out.append([k for k in d])
    print(*out)
    return p
"""


def test_queue_prepare_copy_matches_stdlib():
    assert_same_output(_QUEUE_COPY_PRELUDE + """
held = []
class Keep(logging.Filter):
    def filter(self, record):
        held.append(record)
        return True
qh.addFilter(Keep())
p = show("plain")
r = held[-1]
print(p is r, p.created is r.created, p.msecs is r.msecs, p.relativeCreated is r.relativeCreated,
      p.thread is r.thread, p.name is r.name)
print(r.msg, r.args, r.message)
print(sorted(vars(r)) == sorted(vars(p)), list(vars(r)) == list(vars(p)))
show("extra", extra={"user": "u1", "n": [1, 2]})
p2 = show("twice")
print(copy.copy(p2).__dict__ == p2.__dict__)

# A filter that reads the dict first (the record's attributes then live in its dict).
class Touch(logging.Filter):
    def filter(self, record):
        record.__dict__["touched"] = True
        return True
t = Touch(); qh.addFilter(t); show("touched"); qh.removeFilter(t)

# Overrides of the protocol, each seen by copy.copy.
copy._copy_dispatch[logging.LogRecord] = lambda x: print("dispatch") or x
show("copy_dispatch"); del copy._copy_dispatch[logging.LogRecord]

copyreg.pickle(logging.LogRecord, lambda r: print("copyreg") or (logging.makeLogRecord, ({"msg": "rebuilt"},)))
show("copyreg"); del copyreg.dispatch_table[logging.LogRecord]

logging.LogRecord.__copy__ = lambda self: print("__copy__") or self
show("__copy__"); del logging.LogRecord.__copy__

logging.LogRecord.__reduce_ex__ = lambda self, proto: print("__reduce_ex__", proto) or "global"
show("class __reduce_ex__"); del logging.LogRecord.__reduce_ex__

logging.LogRecord.__reduce__ = lambda self: print("__reduce__") or (logging.makeLogRecord, ({"msg": "r"},))
show("class __reduce__"); del logging.LogRecord.__reduce__

def getstate(self):
    print("__getstate__")
    return {"msg": "state", "args": None}
orig_getstate = logging.LogRecord.__getstate__ if "__getstate__" in vars(logging.LogRecord) else None
logging.LogRecord.__getstate__ = getstate
show("class __getstate__")
if orig_getstate is None:
    del logging.LogRecord.__getstate__
else:
    logging.LogRecord.__getstate__ = orig_getstate

logging.LogRecord.__setstate__ = lambda self, state: print("__setstate__", len(state)) or self.__dict__.update(state)
show("__setstate__"); del logging.LogRecord.__setstate__

show("instance __reduce_ex__", extra={"__reduce_ex__": lambda proto: print("inst", proto) or "inst"})
show("instance __getstate__", extra={"__getstate__": lambda: print("inst getstate") or {"msg": "s"}})

real_copy = copy.copy
copy.copy = lambda x: print("patched copy.copy") or real_copy(x)
show("copy.copy"); copy.copy = real_copy

real_newobj = copyreg.__newobj__
copyreg.__newobj__ = lambda cls, *a: print("patched __newobj__") or real_newobj(cls, *a)
show("__newobj__"); copyreg.__newobj__ = real_newobj

real_reconstruct = copy._reconstruct
copy._reconstruct = lambda *a, **k: print("patched _reconstruct") or real_reconstruct(*a, **k)
show("_reconstruct"); copy._reconstruct = real_reconstruct

class FakeCopy:
    @staticmethod
    def copy(x):
        print("handlers.copy replaced")
        return real_copy(x)
H.copy = FakeCopy
show("handlers.copy"); H.copy = copy

class Rec(logging.LogRecord):
    pass
logging.setLogRecordFactory(Rec)
show("subclass")
logging.setLogRecordFactory(logging.LogRecord)
show("again")
""")


def test_queue_handler_and_listener_dispatch_match_stdlib():
    assert_same_output("""
import io, logging, logging.handlers as H, queue

q = queue.Queue()
qh = H.QueueHandler(q)
log = logging.getLogger("qdispatch")
log.propagate = False
log.addHandler(qh)
log.setLevel(logging.DEBUG)

def drain():
    out = []
    while not q.empty():
        p = q.get_nowait()
        out.append(p if isinstance(p, str) else (p.msg, p.args, p.message))
    print(out)

log.info("a %s", 1); drain()
qh.format = lambda r: "instance format " + r.getMessage()
log.info("b %s", 2); drain()
del qh.format
H.QueueHandler.format = lambda self, r: "class format " + r.getMessage()
log.info("c %s", 3); drain()
del H.QueueHandler.format
qh.prepare = lambda r: "prepared " + r.getMessage()
log.info("d %s", 4); drain()
del qh.prepare
orig_enqueue = H.QueueHandler.enqueue
H.QueueHandler.enqueue = lambda self, r: print("enqueue", r.msg) or orig_enqueue(self, r)
log.info("e %s", 5); drain()
H.QueueHandler.enqueue = orig_enqueue
class QH(H.QueueHandler):
    def prepare(self, record):
        return super().prepare(record).msg.upper()
log.removeHandler(qh); qh2 = QH(q); log.addHandler(qh2)
log.info("f %s", 6); drain()
qh2.queue = None
logging.raiseExceptions = False
log.info("g %s", 7)  # enqueue fails: handleError (silent)
logging.raiseExceptions = True
log.removeHandler(qh2); log.addHandler(qh)

# The listener side.
s = io.StringIO()
target = logging.StreamHandler(s)
target.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
listener = H.QueueListener(q, target, respect_handler_level=True)
target.setLevel(logging.WARNING)
listener.start()
log.info("dropped by level"); log.warning("kept %d", 1)
listener.stop()
print(repr(s.getvalue()))

class L(H.QueueListener):
    def prepare(self, record):
        record.msg = "L:" + record.msg
        return record
    def dequeue(self, block):
        r = super().dequeue(block)
        print("dequeued", None if r is None else r.msg)
        return r
listener = L(q, target)
listener.start()
log.warning("two")
listener.stop()
print(repr(s.getvalue()))

class T(logging.StreamHandler):
    def handle(self, record):
        print("T.handle", record.msg)
        return super().handle(record)
t = T(s)
listener = H.QueueListener(q, t)
listener.start(); log.warning("three"); listener.stop()
logging.StreamHandler.handle = lambda self, r: print("StreamHandler.handle patched", r.msg)
listener = H.QueueListener(q, target)
listener.start(); log.warning("four"); listener.stop()
del logging.StreamHandler.handle
listener.respect_handler_level = False
listener.start(); log.info("five"); listener.stop()
print(repr(s.getvalue()))
""")


def test_rotating_dispatch_matches_stdlib():
    assert_same_output("""
import logging, logging.handlers as H, os, tempfile
d = tempfile.mkdtemp()
fn = os.path.join(d, "r.log")
h = H.RotatingFileHandler(fn, maxBytes=40, backupCount=2)
h.setFormatter(logging.Formatter("%(message)s"))
log = logging.getLogger("rot")
log.propagate = False
log.addHandler(h)
def state(tag):
    h.flush()
    print(tag, sorted(os.listdir(d)), [open(os.path.join(d, f)).read() for f in sorted(os.listdir(d))])
for i in range(4):
    log.warning("message %d", i)
state("plain")
calls = []
orig = H.RotatingFileHandler.shouldRollover
H.RotatingFileHandler.shouldRollover = lambda self, r: calls.append(r.msg) or orig(self, r)
log.warning("patched %d", 1)
H.RotatingFileHandler.shouldRollover = orig
print(calls)
h.shouldRollover = lambda r: True
log.warning("forced")
del h.shouldRollover
state("forced")
h.format = lambda r: "F:" + r.getMessage()
log.warning("instance format")
del h.format
state("format")
class R(H.RotatingFileHandler):
    def shouldRollover(self, record):
        print("R.shouldRollover", record.msg)
        return False
    def emit(self, record):
        print("R.emit")
        super().emit(record)
r = R(fn, maxBytes=1, backupCount=2)
log.removeHandler(h); h.close(); log.addHandler(r)
log.warning("sub")
r.close()
state("sub")
""")


def test_rotating_regular_file_check_matches_stdlib():
    # bpo-45401's check (every record before 3.12.3, only when a rollover is due since):
    # answered natively from one stat() while os.path.exists/isfile, os.stat and
    # stat.S_ISREG are the standard ones; each replacement must be seen.
    assert_same_output("""
import genericpath, logging, logging.handlers as H, os, stat, tempfile
d = tempfile.mkdtemp()
fn = os.path.join(d, "r.log")
log = logging.getLogger("regular")
log.propagate = False

def run(tag, h, n=3):
    log.addHandler(h)
    out = []
    for i in range(n):
        r = log.makeRecord("regular", logging.WARNING, "f", 1, "message %d", (i,), None)
        out.append(bool(h.shouldRollover(r)))
        h.handle(r)
    log.removeHandler(h)
    print(tag, out, sorted(os.listdir(d)))

h = H.RotatingFileHandler(fn, maxBytes=25, backupCount=1)
run("plain", h)
devnull = H.RotatingFileHandler(os.devnull, maxBytes=1)
run("devnull", devnull)
devnull.close()
os.unlink(fn)
run("unlinked", h)
real_exists, real_isfile, real_stat, real_isreg = os.path.exists, os.path.isfile, os.stat, stat.S_ISREG
os.path.exists = lambda p: print("exists", os.path.basename(p)) or real_exists(p)
run("exists patched", h)
os.path.exists = real_exists
os.path.isfile = lambda p: print("isfile", os.path.basename(p)) or False
run("isfile patched", h)
os.path.isfile = real_isfile
os.stat = lambda p, *a, **k: print("stat", os.path.basename(p)) or real_stat(p, *a, **k)
run("os.stat patched", h)
os.stat = real_stat
stat.S_ISREG = lambda mode: print("S_ISREG") or False
run("S_ISREG patched", h)
stat.S_ISREG = real_isreg
exists_code = genericpath.exists.__code__
genericpath.exists.__code__ = (lambda path: print("new code") or True).__code__
run("code replaced", h)
genericpath.exists.__code__ = exists_code
os.path.exists = real_exists

class FakePath:
    @staticmethod
    def exists(p):
        print("fake exists")
        return True
    @staticmethod
    def isfile(p):
        print("fake isfile")
        return True
class FakeOs:
    path = FakePath
    rename, remove = os.rename, os.remove
H.os = FakeOs
run("handlers.os", h)
H.os = os
def check(tag, h):
    r = log.makeRecord("regular", logging.WARNING, "f", 1, "message", (), None)
    print(tag, bool(h.shouldRollover(r)))
big = H.RotatingFileHandler(fn, maxBytes=5, backupCount=1)
big.stream.write("first\\n")  # a rollover is due: only the regular-file check decides
big.flush()
base = big.baseFilename
for tag, name in (("nul", base + "\\0x"), ("bytes", base.encode()), ("surrogate", "\\udcff" + base),
                  ("unencodable", "\\ud800" + base),
                  ("missing", base + ".missing"), ("dir", d)):
    big.baseFilename = name
    check(tag, big)
big.baseFilename = base
big.close()
h.baseFilename = base
h.close()
b = H.RotatingFileHandler(os.fsencode(os.path.join(d, "b.log")), maxBytes=25, backupCount=1)
run("bytes name", b)  # the stdlib's doRollover fails on a bytes name: handleError
b.close()
""", internal_frames=True)


def test_rotating_should_rollover_message_length_matches_stdlib():
    # shouldRollover measures "%s\n" % self.format(record): an exact str's length plus one,
    # anything else through %, as written (a tuple is the args, a str subclass is str()'d).
    assert_same_output("""
import logging, logging.handlers as H, os, tempfile
d = tempfile.mkdtemp()
class S(str):
    def __str__(self):
        print("S.__str__")
        return "x" * 30
for tag, result in (("str", "ab\\u20ac" * 3), ("tuple", ("t" * 3,)), ("subclass", S("short")),
                    ("two", ("a", "b"))):
    h = H.RotatingFileHandler(os.path.join(d, tag + ".log"), maxBytes=12, backupCount=1)
    h.stream.write("1234")
    h.format = lambda r, result=result: result
    r = logging.makeLogRecord({"msg": "m"})
    try:
        print(tag, h.shouldRollover(r))
    except Exception as e:
        print(tag, type(e).__name__, e)
    h.close()
""")
