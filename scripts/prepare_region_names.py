"""Build kb/data/nuts2021_latin.csv: a Latin-script name for every NUTS 2021 NUTS 2 region, because
kb/data/nuts2021.csv gives the national-language name only, and for Greece, Cyprus, Bulgaria and
some candidate countries that is Greek or Cyrillic script: unreadable to most users and no source
of a slug. Run by a maintainer when the copy changes, never at build or test time (the output is
committed):

    .venv/bin/python scripts/prepare_region_names.py RAW_FILE

RAW_FILE is Eurostat/GISCO's `pub/v2/2021/4326/nutspt_2.json` from github.com/eurostat/Nuts2json
at commit 4320600cb4c6ecec77328b91620691733130822a (repository licence EUPL 1.1; the data are
GISCO's, under the Eurostat/GISCO terms of use): a GeoJSON collection of one point per NUTS 2
region, whose property `id` is the NUTS 2021 code and `na` the Latin-script name (NAME_LATN, e.g.
EL30 "Attiki", BG41 "Yugozapaden"). Only `features[].properties.id` and `.na` are read, so an
extract holding those two properties only serves as well. The repository is too large to copy
whole (1.7 GB), so the file was read from a stored copy of that commit.

The file leaves out the regions outside its map frame (ES70 Canarias, FRY1-FRY5 the French
outermost regions) and the extra-regio codes (xxZZ). For a region it leaves out, the name in
nuts2021.csv is taken when it is already in Latin script; a region left with no Latin name is
reported and the script fails, since every NUTS 2 region needs one.
"""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "kb" / "data"
OUT = DATA / "nuts2021_latin.csv"


def is_latin(text: str) -> bool:
    """True when every letter of `text` is a Latin letter (Unicode names them LATIN ...)."""
    return all(unicodedata.name(ch, "").startswith("LATIN") for ch in text if ch.isalpha())


def gisco_names(raw: Path) -> dict[str, str]:
    """Return the Latin names of the NUTS 2 regions in the GeoJSON file, by code."""
    doc = json.loads(raw.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for feature in doc["features"]:
        props = feature["properties"]
        code, name = str(props["id"]), " ".join(str(props.get("na") or "").split())
        if len(code) != 4 or not name:
            continue
        if not is_latin(name):
            raise SystemExit(f"{code}: the name {name!r} in {raw} is not in Latin script")
        out[code] = name
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    names = gisco_names(Path(argv[0]))
    with (DATA / "nuts2021.csv").open(encoding="utf-8", newline="") as fh:
        nuts2 = [row for row in csv.DictReader(fh) if row["level"] == "2" and not row["code"].endswith("ZZ")]
    missing, from_list = [], []
    rows = []
    for row in nuts2:
        code = row["code"]
        name = names.get(code)
        if name is None and is_latin(row["name"]):
            name = " ".join(row["name"].split())
            from_list.append(code)
        if name is None:
            missing.append(code)
            continue
        rows.append((code, name))
    unknown = sorted(set(names) - {row["code"] for row in nuts2})
    if unknown:
        print(f"ignored, not NUTS 2021 NUTS 2 codes: {', '.join(unknown)}", file=sys.stderr)
    if missing:
        print(f"no Latin-script name for: {', '.join(missing)}", file=sys.stderr)
        return 1
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "latin_name"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} regions to {OUT} ({len(from_list)} named from nuts2021.csv: {', '.join(from_list)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
