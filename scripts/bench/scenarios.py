"""The benchmark's scenarios: configuration, timed statement, sink and sink check.

Runs inside the worker (any interpreter from 3.9 on) and is imported by the runner for the
names and titles only: nothing here imports ``logging``; every setup function receives the
library's ``logging`` module (``L``) and ``logging.handlers`` module (``H``) as arguments.

Every record a scenario emits is identical to the others but for its timestamp (constant
arguments ``"spam"`` and ``42``), so a sink is checked cheaply and strictly: it must hold exactly
``count`` copies of one record once asctime is masked (``check_uniform``). The 4-thread scenario
is checked line by line instead (each thread's line exactly ``n`` times).
"""

import collections
import io
import os
import re

#: The constant arguments of every logging call: ``info("msg %s %d", S, N)``.
S = "spam"
N = 42

#: Default ``asctime`` output: ``2023-11-14 22:13:20,123``.
ASCTIME_RE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d\d\d")
ASCTIME_FMT = "%(asctime)s %(levelname)s %(name)s %(message)s"
BASIC_FORMAT = "%(levelname)s:%(name)s:%(message)s"


def mask_asctime(text):
    return ASCTIME_RE.sub("<asctime>", text)


def check_uniform(text, count):
    """None when ``text`` is ``count`` copies of one record (asctime masked), else a message."""
    if count == 0:
        return None if text == "" else "expected no output, got %d chars" % len(text)
    masked = mask_asctime(text)
    unit, rem = divmod(len(masked), count)
    if rem == 0 and unit > 0 and masked == masked[:unit] * count:
        return None
    return "expected %d identical records, sink has %d chars in %d lines" % (
        count,
        len(text),
        text.count("\n"),
    )


# --------------------------------------------------------------------------- sinks


class StringSink:
    """A StringIO the handler writes to; ``take`` returns what was written and empties it."""

    def __init__(self):
        self.stream = io.StringIO()

    def take(self):
        value = self.stream.getvalue()
        self.stream.seek(0)
        self.stream.truncate(0)
        return value

    def check(self, count):
        return check_uniform(self.take(), count)

    def dump(self):
        return self.take()


class FileSink:
    """A file the handler appends to; ``take`` returns the bytes written since the last take."""

    def __init__(self, path):
        self.path = path
        self.offset = 0

    def take(self):
        if not os.path.exists(self.path):
            return ""
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        return data.decode("utf-8", "replace")

    def check(self, count):
        return check_uniform(self.take(), count)

    def dump(self):
        return self.take()


class RotatingSink(FileSink):
    """The base file of a RotatingFileHandler whose ``rotator`` counts the bytes it rotates.

    The backups are deleted as the handler goes (``backupCount`` is small so that rollovers cost
    what they cost in real use), so the check counts bytes: every byte rotated away plus the base
    file's new bytes must be ``count`` records of the base file's record length.
    """

    def __init__(self, path):
        FileSink.__init__(self, path)
        self.rotated = 0
        self.rollovers = 0
        self.unit = None

    def rotator(self, source, dest):
        # Called once per rollover (the handler renames older backups itself).
        size = os.path.getsize(source)
        if self.unit is None and size:
            with open(source, "rb") as f:
                self.unit = len(f.readline())
        self.rotated += size - self.offset
        self.offset = 0
        self.rollovers += 1
        os.rename(source, dest)

    def check(self, count):
        text = self.take()
        if text:
            self.unit = len(text.split("\n", 1)[0].encode()) + 1
        total = self.rotated + len(text.encode())
        self.rotated = 0
        if self.unit is None:
            return None if count == 0 else "no output"
        if total != count * self.unit:
            return "expected %d records of %d bytes, got %d bytes" % (count, self.unit, total)
        lines = len(text.encode()) // self.unit
        return check_uniform(text, lines) if lines else None


class NoSink:
    """For scenarios that emit nothing (``getLogger``); ``dump`` describes a returned value."""

    def __init__(self, describe=None):
        self.describe = describe

    def check(self, count):
        return None if count == 0 else "nothing to check"

    def dump(self):
        return self.describe() if self.describe else ""


class ThreadLinesSink(FileSink):
    """A file 4 threads write to: each thread's line must appear exactly ``n`` times."""

    def check_threads(self, per_thread, nthreads):
        text = self.take()
        counts = collections.Counter(mask_asctime(text).splitlines())
        if len(counts) == nthreads and all(c == per_thread for c in counts.values()):
            if text.endswith("\n"):
                return None
        got = sum(counts.values())
        return "expected %d lines (%d per thread, %d threads), got %d lines, %d distinct" % (
            per_thread * nthreads,
            per_thread,
            nthreads,
            got,
            len(counts),
        )

    def dump(self):
        # Thread interleaving is not deterministic: compare the sorted lines.
        return "".join(sorted(self.take().splitlines(True)))


# --------------------------------------------------------------------------- setups


class Setup:
    """What a scenario's setup returns to the worker.

    ``ns``: names bound as locals of the timed loop; ``stmt``: the statement timed per call
    (may span lines); ``records``: records emitted per execution of ``stmt``; ``sink``: where they
    land; ``finish``: called inside the timed window after the loop (drains asynchronous work);
    ``restart``: called outside it, after ``finish``; ``teardown``: at the end.
    """

    def __init__(self, ns, stmt, sink, records=1, finish=None, restart=None, teardown=None):
        self.ns = ns
        self.stmt = stmt
        self.sink = sink
        self.records = records
        self.finish = finish
        self.restart = restart
        self.teardown = teardown


class Scenario:
    def __init__(self, name, title, setup, kind="loop", hook=None, stderr=False):
        self.name = name
        self.title = title
        self.setup = setup
        #: "loop" (ns per call, one thread), "threads" (ns per record, 4 threads) or "import"
        #: (ns for the import statement, one sample per fresh process).
        self.kind = kind
        #: For scenarios that join when ``logging.handlers`` implements them natively in logixde:
        #: a list of (class name, method name) that must not be Python functions.
        self.hook = hook
        #: The worker points fd 2 at a file before loading the library (basicConfig → stderr).
        self.stderr = stderr


SCENARIOS = []


def scenario(name, title, **kw):
    def register(fn):
        SCENARIOS.append(Scenario(name, title, fn, **kw))
        return fn

    return register


def by_name():
    return {s.name: s for s in SCENARIOS}


def _logger(L, handler=None, fmt=None, style="%", name="bench", level=None):
    """Logger ``name`` at INFO, not propagating, with ``handler`` (formatted by ``fmt``)."""
    logger = L.getLogger(name)
    logger.setLevel(L.INFO if level is None else level)
    logger.propagate = False
    if handler is not None:
        if fmt is not None:
            handler.setFormatter(L.Formatter(fmt, style=style) if style != "%" else L.Formatter(fmt))
        logger.addHandler(handler)
    return logger


def _stream(L, fmt=None, style="%", level=None):
    sink = StringSink()
    logger = _logger(L, L.StreamHandler(sink.stream), fmt, style, level=level)
    return logger, sink


CALL = 'log("msg %s %d", s, n)'


@scenario("disabled", "disabled `debug()` (logger at INFO)")
def _disabled(L, H, ctx):
    logger, sink = _stream(L)
    return Setup({"log": logger.debug, "s": S, "n": N}, CALL, sink, records=0)


@scenario("info", '`info("msg %s %d")` → StreamHandler(StringIO), default format')
def _info(L, H, ctx):
    logger, sink = _stream(L)
    return Setup({"log": logger.info, "s": S, "n": N}, CALL, sink)


@scenario("asctime", "same, format `%(asctime)s %(levelname)s %(name)s %(message)s`")
def _asctime(L, H, ctx):
    logger, sink = _stream(L, ASCTIME_FMT)
    return Setup({"log": logger.info, "s": S, "n": N}, CALL, sink)


@scenario("brace", "`{` style `{levelname}:{name}:{message}`")
def _brace(L, H, ctx):
    logger, sink = _stream(L, "{levelname}:{name}:{message}", "{")
    return Setup({"log": logger.info, "s": S, "n": N}, CALL, sink)


@scenario("dollar", "`$` style `${levelname}:${name}:${message}`")
def _dollar(L, H, ctx):
    logger, sink = _stream(L, "${levelname}:${name}:${message}", "$")
    return Setup({"log": logger.info, "s": S, "n": N}, CALL, sink)


@scenario("extra", "`extra={user, ip}` fields in the format")
def _extra(L, H, ctx):
    logger, sink = _stream(L, "%(levelname)s %(name)s [%(user)s %(ip)s] %(message)s")
    extra = {"user": "bob", "ip": "10.1.2.3"}
    return Setup(
        {"log": logger.info, "s": S, "n": N, "extra": extra},
        'log("msg %s %d", s, n, extra=extra)',
        sink,
    )


@scenario("file", "FileHandler (flush per record), asctime format")
def _file(L, H, ctx):
    path = os.path.join(ctx["tmpdir"], "file.log")
    handler = L.FileHandler(path)
    logger = _logger(L, handler, ASCTIME_FMT)
    return Setup({"log": logger.info, "s": S, "n": N}, CALL, FileSink(path), teardown=handler.close)


@scenario("basicconfig", "`basicConfig(level=INFO)`; `logging.info()` → stderr (a file)", stderr=True)
def _basicconfig(L, H, ctx):
    L.basicConfig(level=L.INFO)
    return Setup({"log": L.info, "s": S, "n": N}, CALL, FileSink(ctx["stderr_path"]))


@scenario("exception", "`exception()` inside `except`, format `%(levelname)s:%(name)s:%(message)s`")
def _exception(L, H, ctx):
    logger, sink = _stream(L, BASIC_FORMAT)
    stmt = 'try:\n    raise ValueError("boom")\nexcept ValueError:\n    log("msg %s %d", s, n)'
    return Setup({"log": logger.exception, "s": S, "n": N}, stmt, sink)


@scenario("getlogger", "`getLogger('a.b.c')` (existing logger)")
def _getlogger(L, H, ctx):
    L.getLogger("a.b.c")

    def describe():
        lg = L.getLogger("a.b.c")
        return "%s %s %s %s\n" % (type(lg).__name__, lg.name, lg.parent.name, lg.getEffectiveLevel())

    return Setup({"getLogger": L.getLogger}, 'getLogger("a.b.c")', NoSink(describe), records=0)


@scenario("adapter", "LoggerAdapter with `extra={user}`, `%(user)s` in the format")
def _adapter(L, H, ctx):
    logger, sink = _stream(L, "%(levelname)s %(name)s [%(user)s] %(message)s")
    adapter = L.LoggerAdapter(logger, {"user": "bob"})
    return Setup({"log": adapter.info, "s": S, "n": N}, CALL, sink)


@scenario("py-handler", "a Python `Handler` subclass with its own `emit`")
def _py_handler(L, H, ctx):
    sink = StringSink()

    class WriteHandler(L.Handler):
        def __init__(self, stream):
            L.Handler.__init__(self)
            self.stream = stream

        def emit(self, record):
            self.stream.write(self.format(record) + "\n")

    handler = WriteHandler(sink.stream)
    logger = _logger(L, handler, BASIC_FORMAT)
    return Setup({"log": logger.info, "s": S, "n": N}, CALL, sink)


@scenario("py-formatter", "a Python `Formatter` subclass overriding `format`")
def _py_formatter(L, H, ctx):
    sink = StringSink()

    class BracketFormatter(L.Formatter):
        def format(self, record):
            return "[" + L.Formatter.format(self, record) + "]"

    handler = L.StreamHandler(sink.stream)
    handler.setFormatter(BracketFormatter(BASIC_FORMAT))
    logger = _logger(L, handler)
    return Setup({"log": logger.info, "s": S, "n": N}, CALL, sink)


@scenario("threads", "4 threads → one FileHandler (ns per record, all lines checked)", kind="threads")
def _threads(L, H, ctx):
    path = os.path.join(ctx["tmpdir"], "threads.log")
    handler = L.FileHandler(path)
    logger = _logger(L, handler, "%(asctime)s %(levelname)s %(threadName)s %(message)s")
    return Setup(
        {"log": logger.info, "s": S, "n": N}, CALL, ThreadLinesSink(path), teardown=handler.close
    )


# Hooks: these join for logixde once logging.handlers implements the classes natively.


@scenario(
    "rotating",
    "RotatingFileHandler (1 MiB, 3 backups), asctime format, with rollovers",
    hook=[("RotatingFileHandler", "emit"), ("RotatingFileHandler", "doRollover")],
)
def _rotating(L, H, ctx):
    path = os.path.join(ctx["tmpdir"], "rotating.log")
    sink = RotatingSink(path)
    handler = H.RotatingFileHandler(path, maxBytes=1 << 20, backupCount=3)
    handler.rotator = sink.rotator
    logger = _logger(L, handler, ASCTIME_FMT)
    return Setup({"log": logger.info, "s": S, "n": N}, CALL, sink, teardown=handler.close)


@scenario(
    "queue",
    "QueueHandler → QueueListener → StreamHandler(StringIO), drained in the timed window",
    hook=[("QueueHandler", "emit"), ("QueueListener", "start")],
)
def _queue(L, H, ctx):
    import queue

    sink = StringSink()
    target = L.StreamHandler(sink.stream)
    target.setFormatter(L.Formatter(ASCTIME_FMT))
    q = queue.Queue(-1)
    logger = _logger(L, H.QueueHandler(q))
    listener = H.QueueListener(q, target)
    listener.start()
    return Setup(
        {"log": logger.info, "s": S, "n": N},
        CALL,
        sink,
        finish=listener.stop,  # enqueues the sentinel and joins: every record is written
        restart=listener.start,
        teardown=lambda: None,
    )


@scenario(
    "import",
    "`import logging` in a fresh interpreter (logixde: `activate()` + `import logging`)",
    kind="import",
)
def _import(L, H, ctx):
    # Timed by the worker around the library's import statement (see libraries.load); one
    # sample per worker process, so the runner starts ``repeat`` workers per round.
    return Setup({}, "pass", NoSink(), records=0)
