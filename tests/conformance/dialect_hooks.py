"""schemathesis's hooks for the dialect fixture (SCHEMATHESIS_HOOKS, set by `cargo xtask
conformance` for that run only).

A body of `application/javascript` (a Worker's script, as Cloudflare sends it) is text: the
generated string, as UTF-8 bytes. schemathesis has no serializer of its own for it.
"""

import schemathesis


@schemathesis.serializer("application/javascript")
def script(ctx, value):
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")
