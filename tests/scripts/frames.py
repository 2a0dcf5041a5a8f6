"""Caller info (funcName, lineno, stack_info tail) through every logger/adapter path.

Run under the stdlib and under logixde; the outputs must be identical.
"""
import logging
import sys
import warnings


class Rec(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


h = Rec()
lg = logging.getLogger("frames")
lg.addHandler(h)
lg.setLevel(1)
lg.propagate = False


def show(tag):
    r = h.records[-1]
    tail = (r.stack_info or "").splitlines()[-2:]
    print(tag, r.funcName, r.lineno, r.levelname, r.getMessage(), "|".join(tail))


class PrefixAdapter(logging.LoggerAdapter):
    prefix = "Adapter"

    def process(self, msg, kwargs):
        return f"{self.prefix} {msg}", kwargs


class Message:
    def __init__(self, fmt, args):
        self.fmt = fmt
        self.args = args

    def __str__(self):
        return self.fmt.format(*self.args)


class StyleAdapter(logging.LoggerAdapter):
    def log(self, level, msg, *args, stacklevel=1, **kwargs):
        if self.isEnabledFor(level):
            msg, kwargs = self.process(msg, kwargs)
            self.logger.log(level, Message(msg, args), **kwargs, stacklevel=stacklevel + 1)


class SubLog(logging.Logger):
    def _log(self, level, msg, args, **kw):
        return super()._log(level, msg, args, **kw)


class InfoOverride(logging.Logger):
    def info(self, msg, *a, **k):
        super().info("[io] " + msg, *a, **k)


def main():
    extra = {} if sys.version_info >= (3, 10) else {}
    for n in (1, 2, 3, 4, 5):
        def f1(): lg.exception("exc", stacklevel=n)
        def f2(): f1()
        def f3(): f2()
        f3(); show(f"exception{n}")

        def g1(): lg.warn("w", stacklevel=n)
        def g2(): g1()
        def g3(): g2()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g3(); show(f"warn{n}")

        def h1(): lg.fatal("f", stacklevel=n, stack_info=True)
        def h2(): h1()
        h2(); show(f"fatal{n}")

        def i1(): lg.log(20, "log", stacklevel=n)
        def i2(): i1()
        i2(); show(f"log{n}")

        ad = logging.LoggerAdapter(lg, extra)
        def a1(): ad.info("ad", stacklevel=n)
        def a2(): a1()
        def a3(): a2()
        a3(); show(f"adinfo{n}")

        def b1(): ad.exception("adexc", stacklevel=n)
        def b2(): b1()
        def b3(): b2()
        b3(); show(f"adexc{n}")

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            def c1(): ad.warn("adwarn", stacklevel=n)
            def c2(): c1()
            def c3(): c2()
            c3(); show(f"adwarn{n}")

        ad2 = StyleAdapter(PrefixAdapter(lg, extra), extra)
        def d1(): ad2.warning("Hello {}", "w", stacklevel=n)
        def d2(): d1()
        def d3(): d2()
        d3(); show(f"style{n}")

        def e1(): ad2.log(30, "Log {}", "w", stacklevel=n)
        def e2(): e1()
        e2(); show(f"stylelog{n}")

        sl = SubLog("sub")
        sl.addHandler(h)
        sl.setLevel(1)
        def s1(): sl.info("sub", stacklevel=n)
        def s2(): s1()
        def s3(): s2()
        s3(); show(f"sublog{n}")

        il = InfoOverride("io")
        il.addHandler(h)
        il.setLevel(1)
        def j1(): il.info("x", stacklevel=n)
        def j2(): j1()
        j2(); show(f"infooverride{n}")

        def k1(): lg._log(20, "direct", (), stacklevel=n)
        def k2(): k1()
        k2(); show(f"_log{n}")

        def l1(): ad._log(20, "adlog", (), stack_info=True)
        def l2(): l1()
        l2(); show(f"ad_log{n}")

        def m1(): logging.getLogger("frames").critical("crit %d", n, stacklevel=n)
        def m2(): m1()
        m2(); show(f"critical{n}")

    root = logging.getLogger()
    root.addHandler(h)
    root.setLevel(1)
    for n in (1, 2, 3, 4):
        def n1(): logging.info("mod info", stacklevel=n)
        def n2(): n1()
        def n3(): n2()
        n3(); show(f"mod-info{n}")

        def o1(): logging.exception("mod exc", stacklevel=n, stack_info=True)
        def o2(): o1()
        def o3(): o2()
        o3(); show(f"mod-exception{n}")

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            def p1(): logging.warn("mod warn", stacklevel=n)
            def p2(): p1()
            def p3(): p2()
            p3(); show(f"mod-warn{n}")

        def q1(): logging.fatal("mod fatal", stacklevel=n)
        def q2(): q1()
        def q3(): q2()
        q3(); show(f"mod-fatal{n}")

        def r1(): logging.log(25, "mod log", stacklevel=n)
        def r2(): r1()
        def r3(): r2()
        r3(); show(f"mod-log{n}")
    root.removeHandler(h)

    print(lg.findCaller(stack_info=True)[3].splitlines()[-1])
    def fc(): return lg.findCaller(False, 2)
    def fc2(): return fc()
    print(fc2()[1:3])


def deep(k):
    if k == 0:
        main()
    else:
        deep(k - 1)


deep(8)

if sys.argv[-1] == "--logixde":
    assert "logixde" in logging.__file__, logging.__file__
