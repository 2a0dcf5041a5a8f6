"""Late activation: the stdlib's logging imported before logixde — still one system."""

import subprocess
import sys
import textwrap

from support import _env


def _run(code, *args):
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True, env=_env(False), timeout=120,
    )


def test_loggers_created_before_activation_reach_handlers_configured_after():
    result = _run(
        """
        import logging as early
        lib_log = early.getLogger("lib")          # a stdlib logger, made before activation
        from logixde import logging
        import sys
        assert sys.modules["logging"] is logging and "logixde" in logging.__file__
        assert early.getLogger is logging.getLogger
        logging.basicConfig(stream=sys.stdout, format="%(name)s %(levelname)s %(message)s",
                            level=logging.INFO)
        lib_log.info("from the early logger")
        logging.getLogger("lib").warning("from logixde")
        early.getLogger("lib.sub").error("child via the early module")
        """
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().splitlines() == [
        "lib INFO from the early logger",
        "lib WARNING from logixde",
        "lib.sub ERROR child via the early module",
    ]


def test_config_imported_before_activation_configures_logixde():
    result = _run(
        """
        import logging.config as early_config
        from logixde import logging
        import sys
        early_config.dictConfig({
            "version": 1,
            "handlers": {"out": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}},
            "root": {"handlers": ["out"], "level": "INFO"},
        })
        logging.getLogger("cfg").info("configured through the early module")
        import logging.config
        print(early_config.dictConfig is logging.config.dictConfig,
              isinstance(logging.root.handlers[0], logging.StreamHandler))
        """
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().splitlines() == [
        "configured through the early module",
        "True True",
    ]


def test_pytest_caplog_captures_logixde_records(tmp_path):
    test_file = tmp_path / "test_with_caplog.py"
    test_file.write_text(textwrap.dedent(
        """
        from logixde import logging

        def test_caplog(caplog):
            caplog.set_level(logging.INFO)
            logging.getLogger("app").info("captured %d", 1)
            assert [r.getMessage() for r in caplog.records] == ["captured 1"]
            assert "captured 1" in caplog.text
        """
    ))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        capture_output=True, env=_env(False), timeout=300, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    assert b"1 passed" in result.stdout
