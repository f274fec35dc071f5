#!/usr/bin/env python3
"""Reads a CIC-layout CSV the way published CIC-IDS2017 pipelines read the
dataset's files, and fails if any step does:

  df = pd.read_csv(path)
  df.columns = df.columns.str.strip()
  X = df[FEATURES].replace([inf, -inf], nan).astype(float)

FEATURES are the 78 feature names of the dataset's MachineLearningCVE files
(the header given, stripped, without Label; pandas names the second
"Fwd Header Length" "Fwd Header Length.1").

  cic_pandas_check.py CSV MLCVE_HEADER_FILE EXPECTED_ROWS
"""
import sys

import numpy as np
import pandas as pd


def main():
    csv, header_file, expected_rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(header_file) as f:
        names = [n.strip() for n in f.readline().rstrip("\n").split(",")]
    features, seen = [], set()
    for n in names:
        if n == "Label":
            continue
        features.append(n + ".1" if n in seen else n)
        seen.add(n)
    assert len(features) == 78, len(features)

    df = pd.read_csv(csv)
    df.columns = df.columns.str.strip()
    missing = [f for f in features if f not in df.columns]
    if missing:
        sys.exit(f"missing columns: {missing}")
    x = df[features].replace([np.inf, -np.inf], np.nan).astype(float)
    if len(x) != expected_rows:
        sys.exit(f"{len(x)} rows, expected {expected_rows}")
    if (x["Flow Duration"] < 0).any():
        sys.exit("negative durations")
    if not (df["Label"].astype(str).str.len() > 0).all():
        sys.exit("empty labels")
    print(f"ok: {len(x)} rows x {len(features)} features as float64")


if __name__ == "__main__":
    main()
