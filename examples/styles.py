"""Formatting styles, `extra`, adapters, filters and exceptions.

Prints the same bytes under logixde (`python -m logixde examples/styles.py`) as under the
standard library (`python examples/styles.py`).
"""

import logging
import sys

out = logging.StreamHandler(sys.stdout)
out.setFormatter(logging.Formatter("%(levelname)-8s %(name)s [%(user)s] %(message)s"))

app = logging.getLogger("shop")
app.setLevel(logging.DEBUG)
app.propagate = False
app.addHandler(out)

# `extra` adds attributes to the record that the format string reads.
app.info("cart has %d items", 3, extra={"user": "ada"})
app.debug("%(count)d %(what)s", {"count": 2, "what": "discounts"}, extra={"user": "ada"})


class UserAdapter(logging.LoggerAdapter):
    """Carries the current user into every record."""

    def process(self, msg, kwargs):
        kwargs["extra"] = self.extra
        return f"<{self.extra['user']}> {msg}", kwargs


UserAdapter(app, {"user": "grace"}).warning("payment retried %s times", 2)

# `{` and `$` styles.
braces = logging.StreamHandler(sys.stdout)
braces.setFormatter(logging.Formatter("{levelname:<8} {name}: {message}", style="{"))
dollars = logging.StreamHandler(sys.stdout)
dollars.setFormatter(logging.Formatter("${levelname} ${name}: ${message}", style="$"))
billing = logging.getLogger("shop.billing")
billing.propagate = False
billing.addHandler(braces)
billing.addHandler(dollars)
billing.error("invoice %s overdue", "A-17")


# Filters: a Filter by name, and a callable that redacts.
def redact(record):
    record.msg = record.msg.replace("secret", "******")
    return True


audit = logging.getLogger("shop.audit")
audit.propagate = False
audit_handler = logging.StreamHandler(sys.stdout)
audit_handler.setFormatter(logging.Formatter("%(name)s|%(levelno)s|%(message)s"))
audit_handler.addFilter(logging.Filter("shop.audit"))
audit_handler.addFilter(redact)
audit.addHandler(audit_handler)
audit.warning("token secret rotated")
auditor = logging.getLogger("shop.auditor")
auditor.propagate = False
auditor.addHandler(audit_handler)
auditor.warning("filtered out: not under shop.audit")

# Exceptions: the traceback text is part of the output.
try:
    {}["missing"]
except KeyError:
    app.exception("lookup failed for %r", "missing", extra={"user": "ada"})

print(logging.getLevelName(logging.WARNING), logging.getLevelName(25), logging.getLevelName("INFO"))
