"""A small program written against the standard ``logging`` API, nothing else.

scripts/demo.sh runs it under the stdlib and under logixde (``LOGIXDE=1``, and
``python -m logixde examples/basic.py``) and shows the outputs are byte-identical.
The output is deterministic: no timestamps, thread ids or process ids.
"""

import logging
import sys

logging.basicConfig(
    stream=sys.stdout,
    level=logging.DEBUG,
    format="%(levelname)-8s %(name)s %(module)s.%(funcName)s:%(lineno)d %(message)s",
)

TRACE = 5
logging.addLevelName(TRACE, "TRACE")

log = logging.getLogger("shop")
db = logging.getLogger("shop.db")
http = logging.getLogger("shop.http")
http.setLevel(logging.WARNING)


class RedactCards(logging.Filter):
    """Hide card numbers passed as the ``card`` extra attribute."""

    def filter(self, record):
        if hasattr(record, "card"):
            record.card = "****" + record.card[-4:]
        return True


audit = logging.getLogger("shop.audit")
audit.propagate = False
audit_handler = logging.StreamHandler(sys.stdout)
audit_handler.setFormatter(logging.Formatter("AUDIT {levelname} [{name}] {message} card={card}", style="{"))
audit_handler.addFilter(RedactCards())
audit.addHandler(audit_handler)


def checkout(order_id, items):
    log.info("checkout of order %d with %d items", order_id, len(items))
    db.debug("SELECT price FROM items WHERE id IN %r", tuple(items))
    http.info("this is below shop.http's level and never shows")
    http.warning("payment gateway slow: %.1f s", 2.5)
    total = sum(len(name) for name in items)
    if not items:
        raise ValueError(f"order {order_id} is empty")
    return total


def main():
    logging.debug("root logger, %s style", "percent")
    adapter = logging.LoggerAdapter(log, {"user": "ada"})
    adapter.info("user session started")
    print("total:", checkout(41, ["apple", "pear"]))
    try:
        checkout(42, [])
    except ValueError:
        log.exception("checkout failed for %s", {"order": 42})
    audit.warning("refund issued", extra={"card": "4111111111111111"})
    log.log(TRACE, "not shown: TRACE is below DEBUG")
    log.setLevel(TRACE)
    log.log(TRACE, "shown once shop's level is TRACE")
    log.critical("shutting down with %s pending", None)
    logging.getLogger("shop").getChild("db").error("child logger is %s", db.name)
    logging.shutdown()


if __name__ == "__main__":
    main()
