#!/usr/bin/env python3
"""Signs and verifies webhook requests with each provider's own SDK, so that asyncgen's reading
of a provider's documentation is checked by the provider's code, not only by our own sender.

Usage: provider_sdk.py sign|verify < request.json > answer.json

The request names a preset (`presets/<preset with - as _>.py`, which defines `sign(req)` and
`verify(req)`); see README.md for the fields. Exit status 0 with an answer, 2 when the preset's
SDK is not installed (the answer says which module), 1 on any other error.
"""

import importlib
import json
import sys


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1] not in ("sign", "verify"):
        print(__doc__, file=sys.stderr)
        return 1
    req = json.load(sys.stdin)
    name = req["preset"].replace("-", "_")
    try:
        module = importlib.import_module(f"presets.{name}")
        answer = getattr(module, sys.argv[1])(req)
    except ModuleNotFoundError as e:
        json.dump({"missing": e.name}, sys.stdout)
        return 2
    json.dump(answer, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, __import__("os").path.dirname(__file__))
    sys.exit(main())
