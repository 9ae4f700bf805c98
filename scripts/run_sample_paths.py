"""The images `make run` scores: the repo's generated samples, then (when the
shared data folder exists) the first image of every source listed in its
manifest, real and fake. Prints one path per line."""
import csv
import glob
import os
import sys

samples, data = sys.argv[1], os.path.relpath(os.path.normpath(sys.argv[2]))
for p in sorted(glob.glob(os.path.join(samples, "*"))):
    print(p)
manifest = os.path.join(data, "manifest.csv")
if os.path.exists(manifest):
    seen = set()
    with open(manifest, newline="") as f:
        for row in sorted(csv.DictReader(f), key=lambda r: (r["label"], r["source"], r["path"])):
            if row["source"] not in seen:
                seen.add(row["source"])
                print(os.path.join(data, row["path"]))
