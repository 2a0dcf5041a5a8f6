# The `LogRecord` class statement, run by the core (`rust/record.rs`) with `_init`, `_repr`
# and `_get_message` bound to its native functions and `__name__` set to "logging". The
# stdlib's class, its methods calling the core: Python functions, so that everything the
# stdlib's methods are holds (signatures, docstrings, qualified names; taken from the class
# and put back, they bind again). `build.rs` compiles it for the interpreter being built for.
class LogRecord(object):
    """
    A LogRecord instance represents an event being logged.

    LogRecord instances are created every time something is logged. They
    contain all the information pertinent to the event being logged. The
    main information passed in is in msg and args, which are combined
    using str(msg) % args to create the message field of the record. The
    record also includes information such as when the record was created,
    the source line where the logging call was made, and any exception
    information to be logged.
    """
    def __init__(self, name, level, pathname, lineno,
                 msg, args, exc_info, func=None, sinfo=None, **kwargs):
        """
        Initialize a logging record with interesting information.
        """
        _init(self, name, level, pathname, lineno, msg, args, exc_info, func, sinfo, **kwargs)

    def __repr__(self):
        return _repr(self)

    def getMessage(self):
        """
        Return the message for this LogRecord.

        Return the message for this LogRecord after merging any user-supplied
        arguments with the message.
        """
        return _get_message(self)


# Not part of the class: the body of the functions that stand for the native classes'
# methods (`rust/method_functions.rs`), here to be compiled by `build.rs` with the class.
# Calls go to the native methods, so it never runs.
def _native_method_body():
    raise SystemError("logixde: the Python body of a native method ran")
