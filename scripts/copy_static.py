"""Copy the front-end packages installed by npm (package-lock.json) into static/vendor/.

Nothing is loaded from a CDN and no third-party file is committed: static/vendor/ is rebuilt
from node_modules/ on every `make install`.
"""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = {
    "bootstrap/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "bootstrap/dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
    "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
    "chart.js/dist/chart.umd.min.js": "chartjs/chart.umd.min.js",
}


def main() -> int:
    missing = []
    for source, target in FILES.items():
        src = ROOT / "node_modules" / source
        if not src.exists():
            missing.append(source)
            continue
        dst = ROOT / "static" / "vendor" / target
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    if missing:
        print("Missing front-end files (run npm ci):", ", ".join(missing), file=sys.stderr)
        return 1
    print(f"Copied {len(FILES)} front-end files into static/vendor/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
