#!/usr/bin/env python3
"""Python standard-library baseline for bench/scan.sh.

Reads an mbox with mailbox.mbox, parses each message's header block with
email.parser.BytesHeaderParser (headers only: the body is not read), and
counts the messages carrying a header (default
X-MS-Exchange-Organization-AutoForwarded). Prints one JSON object:
{"file", "bytes", "messages", "matches", "seconds", "bytes_per_s", "messages_per_s"}.

    python3 bench/pybaseline.py FILE [HEADER]
"""

import email.parser
import email.policy
import json
import mailbox
import os
import sys
import time


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = sys.argv[1]
    name = sys.argv[2] if len(sys.argv) == 3 else "X-MS-Exchange-Organization-AutoForwarded"
    parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
    size = os.path.getsize(path)

    start = time.perf_counter()
    box = mailbox.mbox(path, create=False)
    messages = matches = 0
    for key in box.iterkeys():
        f = box.get_file(key)
        try:
            # Header block only: lines up to the first empty one.
            lines = []
            for line in iter(f.readline, b""):
                if line in (b"\n", b"\r\n"):
                    break
                lines.append(line)
        finally:
            f.close()
        msg = parser.parsebytes(b"".join(lines))
        messages += 1
        if msg.get(name) is not None:
            matches += 1
    box.close()
    seconds = time.perf_counter() - start

    print(json.dumps({
        "file": path,
        "bytes": size,
        "messages": messages,
        "matches": matches,
        "seconds": round(seconds, 3),
        "bytes_per_s": round(size / seconds),
        "messages_per_s": round(messages / seconds, 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
