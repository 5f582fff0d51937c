"""Exits 0 when two HDF5 files hold the same datasets with the same values (NaN equal to NaN),
else prints the first difference and exits 1. Used by the sweep tests (tests/cli/sweep_runs.cmake)."""
import sys

import h5py
import numpy as np


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()])
                     if isinstance(obj, h5py.Dataset) else None)
        spec = f.attrs["spec"]
    return out, spec


a, spec_a = datasets(sys.argv[1])
b, spec_b = datasets(sys.argv[2])
if spec_a != spec_b:
    sys.exit("different specs")
if sorted(a) != sorted(b):
    sys.exit(f"different datasets: {sorted(set(a) ^ set(b))}")
for name in sorted(a):
    if a[name].shape != b[name].shape or not np.array_equal(a[name], b[name], equal_nan=True):
        sys.exit(f"dataset {name} differs")
print(f"{len(a)} datasets equal")
