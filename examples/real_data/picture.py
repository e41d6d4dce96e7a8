"""Save one picture of a `twoclass evaluate` report as a PNG file (the report embeds them as base64).

    python examples/real_data/picture.py REPORT.html "ROC curve" OUT.png

The second argument is the picture's alt text: "ROC curve", "Precision-recall curve", "Calibration curve",
"Metrics against threshold", "Learning curves", "Confusion matrix", "Decision boundary".
"""

from __future__ import annotations

import base64
import re
import sys
from pathlib import Path


def main(report: str, alt: str, out: str) -> None:
    html = Path(report).read_text(encoding="utf-8")
    for match in re.finditer(r'<img[^>]*src="data:image/png;base64,([^"]+)"[^>]*>', html):
        if f'alt="{alt}"' in match.group(0):
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            Path(out).write_bytes(base64.b64decode(match.group(1)))
            print(f"Wrote {out}")
            return
    sys.exit(f"Error: no picture with alt text {alt!r} in {report}.")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
