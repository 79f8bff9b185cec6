"""Fill English translations into locale/en/LC_MESSAGES/django.po from a small JSON map.

For maintainers after `make messages`:

    python scripts/po_fill.py --list      # entries still to translate (untranslated or fuzzy)
    python scripts/po_fill.py new.json    # set them

new.json maps Vietnamese msgids to English. For an entry with a context, the key is
"<context>\\u0004<msgid>"; for a plural entry the value is ["singular", "plural"]. Entries given
are set and lose their fuzzy flag (other flags such as python-format stay) and their "#|"
previous-msgid lines.
"""

import json
import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _field(entry: str, name: str) -> str | None:
    match = re.search(rf'^{name} ("(?:.*)")\n((?:".*"\n?)*)', entry + "\n", re.M)
    if not match:
        return None
    lines = [match.group(1)] + [line for line in match.group(2).splitlines() if line]
    return "".join(json.loads(line) for line in lines)


def _key(entry: str) -> str | None:
    msgid = _field(entry, "msgid")
    if msgid is None:
        return None
    context = _field(entry, "msgctxt")
    return f"{context}\x04{msgid}" if context else msgid


def _pending(entry: str) -> bool:
    fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in entry.splitlines())
    if "msgid_plural" in entry:
        # A wrapped msgstr[n] starts with "" and continues on the next lines: empty only if
        # nothing follows.
        plural_forms = re.findall(r'^msgstr\[\d\] ("(?:.*)")\n((?:".*"\n?)*)', entry + "\n", re.M)
        return fuzzy or any(
            "".join(json.loads(x) for x in [first, *rest.splitlines()] if x) == ""
            for first, rest in plural_forms
        )
    return fuzzy or _field(entry, "msgstr") == ""


def _filled(entry: str, value) -> str:
    lines, in_msgstr = [], False
    for line in entry.splitlines():
        if line.startswith("msgstr"):
            in_msgstr = True
        if in_msgstr or line.startswith("#|"):
            continue
        if line.startswith("#,"):
            flags = [f.strip() for f in line[2:].split(",") if f.strip() not in ("", "fuzzy")]
            if flags:
                lines.append("#, " + ", ".join(flags))
            continue
        lines.append(line)
    if isinstance(value, list):
        lines += [f"msgstr[{i}] {json.dumps(v, ensure_ascii=False)}" for i, v in enumerate(value)]
    else:
        lines.append("msgstr " + json.dumps(value, ensure_ascii=False))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    entries = PO.read_text(encoding="utf-8").split("\n\n")
    if argv[:1] == ["--list"]:
        for entry in entries:
            key = _key(entry)
            if key and _pending(entry):
                print(json.dumps(key, ensure_ascii=False))
        return 0
    wanted = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    done = set()
    for index, entry in enumerate(entries):
        key = _key(entry)
        if key in wanted:
            entries[index] = _filled(entry, wanted[key])
            done.add(key)
    PO.write_text("\n\n".join(entries), encoding="utf-8")
    missing = set(wanted) - done
    for key in sorted(missing):
        print("not found:", key, file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
