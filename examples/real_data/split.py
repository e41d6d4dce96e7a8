"""Split a CSV into train and test files (stratified by the target, 80/20, fixed seed) for the real-data runs.

python examples/real_data/split.py DATA.csv TARGET OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from sklearn.model_selection import train_test_split

from twoclass.data import read_table


def main(data: str, target: str, out_dir: str) -> None:
    frame = read_table(data)
    train, test = train_test_split(frame, test_size=0.2, stratify=frame[target], random_state=0)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(data).name.removesuffix(".csv")
    train.to_csv(out / f"{stem}_train.csv", index=False)
    test.to_csv(out / f"{stem}_test.csv", index=False)
    print(
        f"{len(train)} training rows -> {out / (stem + '_train.csv')}; "
        f"{len(test)} test rows -> {out / (stem + '_test.csv')}"
    )


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
