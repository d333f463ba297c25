"""Rebuild the data slices in kb/data/ from the open data kept beside the project
(../shared/data, see its SOURCES.md). Run by a maintainer when the sources change:

    .venv/bin/python scripts/prepare_data.py ../shared/data

Never run at build or test time: the outputs are committed. What each output holds and where
it comes from is in kb/data/SOURCES.md.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parent.parent / "kb" / "data"
FIRST_YEAR = 2008

# NUTS 2013 -> 2016: the French NUTS 2 regions were recoded in 2016 with unchanged boundaries
# (Eurostat, NUTS 2016 classification, "changes from NUTS 2013"); the R&D and patent series of
# the EURITO extraction and the older Eurostat tables still use the 2013 codes.
FR_2013_TO_2016 = {
    "FR21": "FRF2", "FR22": "FRE2", "FR23": "FRD2", "FR24": "FRB0", "FR25": "FRD1", "FR26": "FRC1",
    "FR30": "FRE1", "FR41": "FRF3", "FR42": "FRF1", "FR43": "FRC2", "FR51": "FRG0", "FR52": "FRH0",
    "FR53": "FRI3", "FR61": "FRI1", "FR62": "FRJ2", "FR63": "FRI2", "FR71": "FRK2", "FR72": "FRK1",
    "FR81": "FRJ1", "FR82": "FRL0", "FR83": "FRM0",
}


def is_area(code: str) -> bool:
    """A country, NUTS 1 or NUTS 2 code, or an EU aggregate (EU27_2020, EU28): the levels a
    region's figure may be published at. NUTS 3 and the extra-regio "ZZ" codes are left out."""
    if not isinstance(code, str) or code.endswith("ZZ") or code.endswith("Z"):
        return False
    return code.startswith("EU") or 2 <= len(code) <= 4


def recode(code: str) -> str:
    return FR_2013_TO_2016.get(code, code)


def long(frame: pd.DataFrame, code: str, indicator: str) -> pd.DataFrame:
    out = frame.rename(columns={code: "nuts"})[["nuts", "year", "value"]].copy()
    out["indicator"] = indicator
    return out


def main(shared: Path) -> None:
    ind = shared / "indicators"
    parts: list[pd.DataFrame] = []

    eurito = pd.read_csv(ind / "eurito_eurostat_long.csv")
    eurito = eurito[eurito["region_level"].isin([0, 1, 2]) | eurito["region_id"].str.startswith("EU")]
    for source, name in [
        ("rd_e_gerdreg_pc_gdp_total", "gerd_pct_gdp"),
        ("rd_e_gerdreg_pc_gdp_bes", "berd_pct_gdp"),
        ("hrst_st_rcat_hrst_pc_act", "hrst_pct_active"),
        ("pat_ep_rtot_p_mhab", "patents_per_million"),
    ]:
        parts.append(long(eurito[eurito["indicator"] == source], "region_id", name))

    ball = pd.read_csv(ind / "eurostat_nuts2_2007_2018_long.csv")
    for source, name in [
        ("region_population", "population"),
        ("unemployment_rate_t", "unemployment_rate"),
        ("broadband_access_household", "broadband_households"),
        ("region_gdp", "gdp_mio_eur"),
    ]:
        parts.append(long(ball[ball["indicator"] == source], "nuts_id", name))

    gdp = pd.read_csv(ind / "eurostat_gdp_pps_nuts2_2000_2021_long.csv")
    gdp = gdp[gdp["nuts_level"].isin(["0", "2", "EU"]) & (gdp["indicator"] == "gdp_pps_hab_index_eu27_2020")]
    parts.append(long(gdp, "nuts_id", "gdp_pps_index_eu27"))
    uk = pd.read_csv(ind / "eurostat_tgs00006_gdp_pps_eu28_nuts2_long.csv")
    uk = uk[uk["nuts_id"].str.startswith("UK")]
    parts.append(long(uk, "nuts_id", "gdp_pps_index_eu28"))

    area = pd.read_csv(ind / "eurostat_reg_area3_nuts2_long.csv")
    area = area[area["year"].isin([2018, 2021])]
    parts.append(long(area, "nuts_id", "area_km2"))

    lfs = pd.read_csv(ind / "eurostat_lfst_r_lfe2en2_nuts2_2008_2015_long.csv")
    lfs = lfs[lfs["nuts_level"] == 2]
    wide = lfs.pivot_table(index=["nuts_id", "year"], columns="indicator", values="value").reset_index()
    for sector, name in [("emp_ths_B-E", "industry_emp_share"), ("emp_ths_A", "agriculture_emp_share")]:
        share = wide[["nuts_id", "year"]].copy()
        share["value"] = (100 * wide[sector] / wide["emp_ths_TOTAL"]).round(2)
        parts.append(long(share.dropna(), "nuts_id", name))
    total = wide[["nuts_id", "year", "emp_ths_TOTAL"]].rename(columns={"emp_ths_TOTAL": "value"})
    parts.append(long(total.dropna(), "nuts_id", "employment_ths"))

    i40 = pd.read_csv(shared / "i40" / "I40_indicator_db.csv", sep="\t")
    i40.columns = [c.strip() for c in i40.columns]
    for source, name in [
        ("htec_emp_reg2_NACE_R2_C_HTC_MH__UNIT_PC_EMP__SEX_T", "hightech_manuf_emp_share"),
        ("edat_lfse_04_SEX_T__ISCED11_ED5-8__AGE_Y25-64__UNIT_PC", "tertiary_educ_share"),
    ]:
        frame = i40[["NUTS2", "YEAR", source]].rename(columns={"YEAR": "year", source: "value"}).dropna()
        parts.append(long(frame, "NUTS2", name))
    ranks = pd.read_csv(shared / "i40" / "I40_rankings.csv")
    rank = ranks[["Regio", "PrometheeRank"]].rename(columns={"PrometheeRank": "value"}).assign(year=2019)
    parts.append(long(rank.dropna(), "Regio", "i40_readiness_rank"))
    rii = ranks[["Regio", "RII"]].rename(columns={"RII": "value"}).assign(year=2019)
    parts.append(long(rii.dropna(), "Regio", "ris2019_rii"))

    typ = pd.read_csv(shared / "typology" / "nuts3_2021_typologies.csv")
    typ = typ.dropna(subset=["urbn_type"])
    urban = (typ.assign(urban=(typ["urbn_type"] == 1).astype(float))
             .groupby("nuts2_id")["urban"].mean().mul(100).round(1).reset_index())
    urban = urban.rename(columns={"urban": "value"}).assign(year=2021)
    parts.append(long(urban, "nuts2_id", "urban_nuts3_share"))

    data = pd.concat(parts, ignore_index=True)
    data = data[data["nuts"].map(is_area) & (data["year"] >= FIRST_YEAR)].dropna(subset=["value"])
    data["nuts"] = data["nuts"].map(recode)
    data["year"] = data["year"].astype(int)
    data = (data.drop_duplicates(["nuts", "indicator", "year"], keep="last")
            .sort_values(["indicator", "nuts", "year"])[["nuts", "indicator", "year", "value"]])
    # Counts stay whole (a population is not rounded to six digits, which summed parts would
    # turn into a false total); rates keep six significant digits, more than any source gives.
    data["value"] = data["value"].map(lambda v: int(v) if float(v).is_integer() else float(f"{v:.6g}"))
    data.to_csv(OUT / "indicators.csv", index=False)
    print(f"indicators.csv: {len(data)} rows, {data['nuts'].nunique()} area codes, "
          f"{data['indicator'].nunique()} indicators")

    facts = shared / "facts"
    shutil.copyfile(facts / "regions.yaml", OUT / "pilot_profiles.yaml")
    shutil.copyfile(facts / "funding_rules.yaml", OUT / "funding_rules.yaml")
    shutil.copyfile(facts / "instruments.yaml", OUT / "instruments.yaml")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data").resolve())
