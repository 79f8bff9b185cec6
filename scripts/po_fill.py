"""Fill English translations into locale/en/LC_MESSAGES/django.po from a small JSON map.

For maintainers after `make messages`: `python scripts/po_fill.py new.json` where new.json maps
Vietnamese msgids to English. Entries given are set and lose their fuzzy flag.
"""

import json
import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _unquote(lines: list[str]) -> str:
    return "".join(json.loads(line) for line in lines)


def _msgid(entry: str) -> str | None:
    match = re.search(r'^msgid ("(?:.*)")\n((?:".*"\n?)*)', entry, re.M)
    if not match:
        return None
    lines = [match.group(1)] + [line for line in match.group(2).splitlines() if line]
    return _unquote(lines)


def main(path: str) -> int:
    wanted = json.loads(Path(path).read_text(encoding="utf-8"))
    entries = PO.read_text(encoding="utf-8").split("\n\n")
    done = set()
    for index, entry in enumerate(entries):
        msgid = _msgid(entry)
        if msgid not in wanted or "msgid_plural" in entry:
            continue
        kept = [
            line
            for line in entry.splitlines()
            if line.startswith("#:") or (line.startswith("#,") and "fuzzy" not in line)
        ]
        text = "\n" + entry
        head = text[text.index("\nmsgid ") + 1 : text.index("\nmsgstr ")]
        msgstr = "msgstr " + json.dumps(wanted[msgid], ensure_ascii=False)
        entries[index] = "\n".join([*kept, head.rstrip("\n"), msgstr])
        done.add(msgid)
    PO.write_text("\n\n".join(entries), encoding="utf-8")
    missing = set(wanted) - done
    for msgid in sorted(missing):
        print("not found:", msgid, file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
