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
