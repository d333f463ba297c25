"""Build kb/data/indicators_recent.csv: newer Eurostat vintages (to 2023/2024) of the regional
indicators, because kb/data/indicators.csv stops in 2018-2021. Run by a maintainer when the copies
change, never at build or test time (the output is committed):

    .venv/bin/python scripts/prepare_recent_data.py RAW_DIR

RAW_DIR holds unmodified copies of these files, each saved under its base name, e.g.
`git --git-dir=<mirror of the repository> show <commit>:<path> > RAW_DIR/<base name>`.

From github.com/Chappuis5/EUcohesion at commit 8747b9ac0ce0519bd876f80d5999b21b35b0b889 (the
repository has no LICENSE file; the files are that project's downloads from Eurostat's API):
- data/raw/eurostat_gdp_pc_pps_rel_eu_nuts2.csv: nama_10r_2gdp, unit PPS_HAB_EU27_2020 (GDP per
  inhabitant in PPS, EU27_2020 = 100), 2000-2023, NUTS 2024, countries, NUTS 1, NUTS 2 and
  EU27_2020; no flags -> `gdp_pps_index_eu27`
- data/raw/eurostat_nama_10r_2gdp.csv: nama_10r_2gdp, unit MIO_EUR (GDP at current market prices,
  million EUR), 2014-2023, NUTS 2024, same levels -> `gdp_mio_eur`
- data/raw/eurostat_tgs00010_unemployment_rate.csv: tgs00010, ages 15-74, %, 2013-2024 -> `unemployment_rate`
- data/raw/eurostat_tgs00007_employment_rate.csv: tgs00007, ages 15-64, %, 2013-2024 -> `employment_rate`
- data/raw/eurostat_tgs00109_tertiary_education_25_64.csv: tgs00109, ISCED 5-8, ages 25-64, %,
  2013-2024 -> `tertiary_educ_share`
- data/raw/eurostat_tgs00042_gerd_rd_expenditure.csv: tgs00042, all sectors, % of GDP, 2013-2024
  -> `gerd_pct_gdp`
The four tgs tables hold NUTS 2 rows only (no country, NUTS 1 or EU rows), each year under the
codes in force when it was published.

From github.com/ropensci/nuts at commit 5509ff02266d9e3ebfbe51fc0d6457f34e59a0d8 (MIT), the JRC
NUTS converter matrices (area and population of every overlap between two NUTS versions), read
only to check that each recode below joins the same territory:
- data-raw/_JRC_NUTSconverter_Matrices_rel.2025.08/n2_cm_v2021_v2024.csv
- data-raw/_JRC_NUTSconverter_Matrices_rel.2025.08/n2_cm_v2013_v2021.csv

Not used:
- eurostat_gdp_pc_pps_nuts2.csv beside the first file: PPS per inhabitant, another measure than
  the index (used only to check the index by hand).
- GDP in million PPS (`gdp_mio_pps`) is missing: its only lead, datacommonsorg/data
  scripts/eurostat/regional_statistics_by_nuts/gdp/input_files/input_file.tsv (nama_10r_3gdp,
  NUTS 2021, 2000-2022, several units), is in a repository too large (859 MB) to be copied here.
  Should it be added, MIO_EUR would then come from two files: keep nama_10r_2gdp (newer vintage).

Codes (the project uses NUTS 2021):
- NUTS 2024 -> 2021: NL35 -> NL31 (Utrecht) and NL36 -> NL33 (Zuid-Holland). The territories are
  the same: NUTS 2021 already moved Vijfheerenlanden's Leerdam and Zederik (about 36,000 people)
  from Zuid-Holland to Utrecht but kept the codes; NUTS 2024 gave the two regions new codes. In
  the tgs tables NL31 and NL33 up to 2018 are therefore the older territory and the values from
  2019 (published as NL35, NL36) the newer one: a small break in those two series.
- Dropped, no NUTS 2021 equivalent: PT19, PT1A, PT1B, PT1C, PT1D (Portugal's NUTS 2024 regions:
  Centro and Alentejo lost Oeste, Medio Tejo and Leziria do Tejo to the new Oeste e Vale do Tejo,
  Lisbon was split into Grande Lisboa and Peninsula de Setubal). So PT16, PT17 and PT18 have tgs
  values to 2018 only (R&D to 2020) and no GDP values: Eurostat publishes the GDP tables for the
  new regions only (2021-2023). PT17 is exactly PT1A + PT1B, but this file holds published figures
  only, no sums.
- Kept although NUTS 2024 moved a sliver between them: ITH5 and ITI3 (Sassofeltrio, about 2,400
  people, to Emilia-Romagna); NUTS 2024 kept both codes.
- Older codes with unchanged territory, recoded: the French NUTS 2013 regions (FR21 -> FRF2 ...,
  as scripts/prepare_data.py does) and the Polish NUTS 2013 voivodeships renamed in NUTS 2016
  (PL11 -> PL71, PL31 -> PL81, PL32 -> PL82, PL33 -> PL72, PL34 -> PL84).
- Older codes whose territory has no NUTS 2021 equivalent, kept as published for early years (the
  older slice uses them too): HR04, HU10, IE01, IE02, NO01, NO03, NO04, NO05, PL12, SI01, SI02,
  UKI1, UKI2, UKM2, UKM3 (OLDER_CODES).
- Dropped: extra-regio codes (xxZ, xxZZ). Kept as Eurostat writes them: EU27_2020, EL (Greece),
  and the non-EU countries the tables cover (CH, NO, IS, AL, ME, MK, RS, TR ...).

Values: the published figure as written, flags dropped (`p`, `e`, `b`, `u`, `d`, in a flag
column or after the number); an empty or `:` value (not published, confidential) is missing,
never zero. Years from 2008. A last year that covers under a quarter of an indicator's regions
(an early partial release: R&D 2024 for seven one-region countries) is dropped, so that the
latest year of every indicator is a full one. One value per (nuts, indicator, year): every
measure comes from one file and one unit, so there is nothing to choose between.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parent.parent / "kb" / "data" / "indicators_recent.csv"
FIRST_YEAR = 2008
PARTIAL_YEAR_SHARE = 0.25
"""A last year with fewer regions than this share of the indicator's best year is an early partial release."""

# (file, indicator, {column: required value}): one unit and one breakdown per file.
API_FILES = [
    ("eurostat_gdp_pc_pps_rel_eu_nuts2.csv", "gdp_pps_index_eu27", {"unit": "PPS_HAB_EU27_2020"}),
]
SDMX_FILES = [
    ("eurostat_nama_10r_2gdp.csv", "gdp_mio_eur", {"unit": "MIO_EUR"}),
    ("eurostat_tgs00010_unemployment_rate.csv", "unemployment_rate",
     {"unit": "PC", "sex": "T", "age": "Y15-74", "isced11": "TOTAL"}),
    ("eurostat_tgs00007_employment_rate.csv", "employment_rate", {"unit": "PC", "sex": "T", "age": "Y15-64"}),
    ("eurostat_tgs00109_tertiary_education_25_64.csv", "tertiary_educ_share",
     {"unit": "PC", "sex": "T", "age": "Y25-64", "isced11": "ED5-8"}),
    ("eurostat_tgs00042_gerd_rd_expenditure.csv", "gerd_pct_gdp", {"unit": "PC_GDP", "sectperf": "TOTAL"}),
]
JRC_2021_2024 = "n2_cm_v2021_v2024.csv"
JRC_2013_2021 = "n2_cm_v2013_v2021.csv"

NUTS2024_TO_2021 = {"NL35": "NL31", "NL36": "NL33"}
NUTS2024_ONLY = {"PT19", "PT1A", "PT1B", "PT1C", "PT1D"}
NUTS2013_TO_2021 = {
    "FR21": "FRF2", "FR22": "FRE2", "FR23": "FRD2", "FR24": "FRB0", "FR25": "FRD1", "FR26": "FRC1",
    "FR30": "FRE1", "FR41": "FRF3", "FR42": "FRF1", "FR43": "FRC2", "FR51": "FRG0", "FR52": "FRH0",
    "FR53": "FRI3", "FR61": "FRI1", "FR62": "FRJ2", "FR63": "FRI2", "FR71": "FRK2", "FR72": "FRK1",
    "FR81": "FRJ1", "FR82": "FRL0", "FR83": "FRM0",
    "PL11": "PL71", "PL31": "PL81", "PL32": "PL82", "PL33": "PL72", "PL34": "PL84",
}
OLDER_CODES = {"HR04", "HU10", "IE01", "IE02", "NO01", "NO03", "NO04", "NO05", "PL12", "SI01", "SI02",
               "UKI1", "UKI2", "UKM2", "UKM3"}
EXTRA_REGIO = re.compile(r"^[A-Z]{2}Z{1,2}$")
VALUE = re.compile(r"^(-?\d+(?:\.\d+)?)\s*[a-z]*$")


def clean_value(raw: object) -> str | None:
    """The published number as written, without a flag letter; None for a missing value."""
    text = "" if pd.isna(raw) else str(raw).strip()
    if not text or text.startswith(":"):  # ":" alone, or ": c" (confidential), ": z" ...
        return None
    match = VALUE.match(text)
    if not match:
        raise ValueError(f"not a Eurostat value: {text!r}")
    return match.group(1)


def _select(frame: pd.DataFrame, name: str, required: dict[str, str]) -> pd.DataFrame:
    """Rows of the one unit and breakdown we want, failing loudly if the file holds others."""
    for column, wanted in required.items():
        found = set(frame[column].unique())
        if found != {wanted}:
            raise ValueError(f"{name}: {column} is {sorted(found)}, expected only {wanted!r}")
    return frame


def read_api(path: Path, required: dict[str, str]) -> pd.DataFrame:
    """EUcohesion's extracts from Eurostat's JSON API: freq, unit, geo, time, obs_value (no flags)."""
    frame = _select(pd.read_csv(path, dtype=str, keep_default_na=False), path.name, required)
    return frame.rename(columns={"time": "year", "obs_value": "value"})[["geo", "year", "value"]]


def read_sdmx(path: Path, required: dict[str, str]) -> pd.DataFrame:
    """Eurostat SDMX-CSV downloads: geo, TIME_PERIOD, OBS_VALUE, and the flag in OBS_FLAG (dropped)."""
    frame = _select(pd.read_csv(path, dtype=str, keep_default_na=False), path.name, required)
    return frame.rename(columns={"TIME_PERIOD": "year", "OBS_VALUE": "value"})[["geo", "year", "value"]]


def check_same_territory(matrix: Path, mapping: dict[str, str], tolerance: float = 0.001) -> None:
    """Fail unless each code of the matrix's older version (key) has exactly its newer code's territory.

    Overlaps under `tolerance` of both area and population are grid noise along a border.
    """
    m = pd.read_csv(matrix)
    old_col, new_col = m.columns[0], m.columns[1]
    for key, col in ((old_col, "old"), (new_col, "new")):
        total = m.groupby(key)[["areaKm", "pop21"]].transform("sum")
        m[f"share_{col}"] = pd.concat([m["areaKm"] / total["areaKm"], m["pop21"] / total["pop21"]], axis=1).max(axis=1)
    for old, new in mapping.items():
        targets = set(m.loc[(m[old_col] == old) & (m["share_old"] > tolerance), new_col])
        sources = set(m.loc[(m[new_col] == new) & (m["share_new"] > tolerance), old_col])
        if targets != {new} or sources != {old}:
            raise ValueError(f"{matrix.name}: {old} -> {new} is not the same territory "
                             f"({old} goes to {sorted(targets)}, {new} comes from {sorted(sources)})")


def recode(data: pd.DataFrame) -> pd.DataFrame:
    """NUTS 2021 codes where the territory is the same; drop NUTS 2024 codes without one, and extra-regio."""
    data = data[~data["geo"].isin(NUTS2024_ONLY) & ~data["geo"].str.match(EXTRA_REGIO)].copy()
    data["geo"] = data["geo"].replace(NUTS2024_TO_2021).replace(NUTS2013_TO_2021)
    return data


def drop_partial_last_year(data: pd.DataFrame) -> pd.DataFrame:
    """Drop an indicator's last year when it is an early partial release (few regions)."""
    keep = []
    for indicator, rows in data.groupby("indicator"):
        per_year = rows[rows["geo"].str.len() == 4].groupby("year").size()
        last = per_year.index.max()
        if per_year[last] < PARTIAL_YEAR_SHARE * per_year.max():
            print(f"{indicator}: dropped {last}, a partial year "
                  f"({', '.join(sorted(rows.loc[rows['year'] == last, 'geo']))})")
            rows = rows[rows["year"] != last]
        keep.append(rows)
    return pd.concat(keep, ignore_index=True)


def build(raw: Path) -> pd.DataFrame:
    """All indicators in long format (nuts, indicator, year, value), sorted, checked for duplicates."""
    check_same_territory(raw / JRC_2021_2024, {old: new for new, old in NUTS2024_TO_2021.items()})
    check_same_territory(raw / JRC_2013_2021, NUTS2013_TO_2021)
    parts = [read_api(raw / name, required).assign(indicator=indicator) for name, indicator, required in API_FILES]
    parts += [read_sdmx(raw / name, required).assign(indicator=indicator)
              for name, indicator, required in SDMX_FILES]
    data = pd.concat(parts, ignore_index=True)
    data["value"] = data["value"].map(clean_value)
    data["year"] = data["year"].astype(int)
    data = data.dropna(subset=["value"])
    data = recode(data[data["year"] >= FIRST_YEAR])
    data = drop_partial_last_year(data)
    duplicated = data[data.duplicated(["geo", "indicator", "year"], keep=False)]
    if not duplicated.empty:
        raise ValueError(f"two values for one (nuts, indicator, year):\n{duplicated.sort_values(['geo', 'year'])}")
    data = data.rename(columns={"geo": "nuts"})[["nuts", "indicator", "year", "value"]]
    return data.sort_values(["nuts", "indicator", "year"]).reset_index(drop=True)


def main(raw: Path) -> None:
    data = build(raw)
    data.to_csv(OUT, index=False)
    nuts2 = data[data["nuts"].str.len() == 4]
    print(f"{OUT.name}: {len(data)} rows, {data['nuts'].nunique()} codes")
    for indicator, rows in nuts2.groupby("indicator"):
        last = rows["year"].max()
        print(f"  {indicator}: {rows['year'].min()}-{last}, {rows['nuts'].nunique()} NUTS 2 codes, "
              f"{(rows['year'] == last).sum()} in {last}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]).resolve())
