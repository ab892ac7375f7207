#!/usr/bin/env python3
"""Python standard-library baseline for bench/scan.sh.

Reads an mbox with mailbox.mbox and parses each message's header with
email.parser.BytesHeaderParser, counting the messages carrying a header
(default X-MS-Exchange-Organization-AutoForwarded). Two ways:

  --mode factory       (default) the idiomatic script: mailbox.mbox(path,
                       factory=BytesHeaderParser().parse); the parser is
                       handed each whole message and keeps the body as an
                       unparsed payload.
  --mode header-lines  a tuned script: reads each message's lines only up
                       to the blank line and parses that header block.

Prints one JSON object:
{"file", "mode", "bytes", "messages", "matches", "seconds", "bytes_per_s", "messages_per_s"}.

    python3 bench/pybaseline.py [--mode factory|header-lines] FILE [HEADER]
"""

import email.parser
import email.policy
import json
import mailbox
import os
import sys
import time


def main() -> int:
    args = sys.argv[1:]
    mode = "factory"
    if len(args) >= 2 and args[0] == "--mode":
        mode, args = args[1], args[2:]
    if len(args) not in (1, 2) or mode not in ("factory", "header-lines"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = args[0]
    name = args[1] if len(args) == 2 else "X-MS-Exchange-Organization-AutoForwarded"
    parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
    size = os.path.getsize(path)

    start = time.perf_counter()
    messages = matches = 0
    if mode == "factory":
        for msg in mailbox.mbox(path, factory=parser.parse, create=False):
            messages += 1
            if msg.get(name) is not None:
                matches += 1
    else:
        box = mailbox.mbox(path, create=False)
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
        "mode": mode,
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
