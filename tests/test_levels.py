"""Levels: names both ways, addLevelName, _checkLevel and its errors (mirrors levels.rs)."""

import sys

import pytest

from logixde import logging

from support import assert_same_output


def test_builtin_names_both_ways():
    assert logging.getLevelName(logging.WARNING) == "WARNING"
    assert logging.getLevelName("WARNING") == logging.WARNING
    assert logging.getLevelName("WARN") == logging.WARNING
    assert logging.getLevelName(25) == "Level 25"
    assert logging.getLevelName("nope") == "Level nope"
    assert logging.getLevelName(None) == "Level None"


def test_add_level_name_updates_the_real_tables(clean_logging):
    logging.addLevelName(25, "NOTICE")
    assert logging._levelToName[25] == "NOTICE"
    assert logging._nameToLevel["NOTICE"] == 25
    assert logging.getLevelName(25) == "NOTICE"
    # The tables are read live: replacing an entry directly is seen at once.
    logging._levelToName[25] = "HEADS-UP"
    assert logging.getLevelName(25) == "HEADS-UP"


def test_check_level_accepts_ints_and_names():
    assert logging._checkLevel(7) == 7
    assert logging._checkLevel("DEBUG") == logging.DEBUG


def test_check_level_errors_match_the_stdlib():
    with pytest.raises(ValueError) as unknown:
        logging._checkLevel("LOUD")
    assert str(unknown.value) == "Unknown level: 'LOUD'"
    with pytest.raises(TypeError) as wrong_type:
        logging._checkLevel(1.5)
    assert str(wrong_type.value) == "Level not an integer or a valid string: 1.5"


@pytest.mark.skipif(sys.version_info < (3, 11), reason="getLevelNamesMapping is 3.11+")
def test_get_level_names_mapping_is_a_copy():
    mapping = logging.getLevelNamesMapping()
    assert mapping == logging._nameToLevel
    assert mapping is not logging._nameToLevel


def test_set_level_by_name(clean_logging):
    logger = logging.getLogger("levels.by.name")
    logger.setLevel("ERROR")
    assert logger.level == logging.ERROR
    with pytest.raises(ValueError):
        logger.setLevel("LOUD")


def test_replaced_tables_are_asked_through_their_own_get():
    # getLevelName calls `_levelToName.get(level)` / `_nameToLevel.get(level)`: a dict
    # subclass's own `get` is what answers, for records' levelname too.
    assert_same_output(
        """
        import io, logging
        class Loud(dict):
            def get(self, key, default=None):
                print("get", key)
                return dict.get(self, key, default)
        logging._levelToName = Loud(logging._levelToName)
        logging._nameToLevel = Loud(logging._nameToLevel)
        print(logging.getLevelName(20), logging.getLevelName("WARNING"), logging.getLevelName(33))
        s = io.StringIO()
        h = logging.StreamHandler(s)
        h.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        lg = logging.getLogger("levels"); lg.propagate = False; lg.addHandler(h)
        lg.error("x")
        print(s.getvalue(), end="")
        """
    )


def test_replaced_get_level_name_and_check_level_are_what_the_stdlib_calls():
    # Code replaces `logging.getLevelName` "to enable better printing": the stdlib's
    # LogRecord, Logger.__repr__ and Handler.__repr__ call the module global, as its
    # setLevel calls `_checkLevel`.
    assert_same_output(
        """
        import logging, sys
        _NAMES = {10: "DBG", 20: "INF", 30: "WRN"}
        def log_level_name(level):
            return _NAMES.get(level, "Level {}".format(level))
        ORIGINAL_NAME = logging.getLevelName
        logging.getLevelName = log_level_name
        logging.basicConfig(stream=sys.stdout, format="%(levelname)s %(name)s %(message)s", level=logging.DEBUG)
        log = logging.getLogger("app")
        log.debug("d"); log.info("i"); log.warning("w"); log.error("e"); log.log(5, "five")
        print(repr(log), repr(logging.getLogger()), repr(logging.LoggerAdapter(log, {})))
        print(repr(logging.StreamHandler(sys.stdout)))
        checked = []
        orig = logging._checkLevel
        def check(level):
            checked.append(level)
            return orig(level)
        logging._checkLevel = check
        log.setLevel("INFO"); logging.StreamHandler().setLevel(30); logging.disable(0)
        print(checked, logging.makeLogRecord({"levelno": 10}).levelname)
        r = logging.LogRecord("n", 20, "p", 1, "m", (), None); print(r.levelname)
        # Put back, replaced again, put back: each change is seen by the next record.
        logging.getLevelName = ORIGINAL_NAME; log.warning("restored")
        logging.getLevelName = log_level_name; log.warning("again")
        logging.getLevelName = ORIGINAL_NAME; log.warning("restored again")
        logging._checkLevel = orig; log.setLevel("DEBUG"); print(checked)
        """
    )
