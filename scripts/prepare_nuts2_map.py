"""Turn GISCO's NUTS 2021 level-2 boundaries (NUTS_RG_60M_2021_3035_LEVL_2.geojson, ETRS89-LAEA,
1:60 million) into kb/data/nuts2_map.json: one SVG path per region in kilometres, north up,
for the map on reports/index.html (holes kept: draw with fill-rule evenodd). Regions outside the
European frame (the outermost regions) are left out.
Usage: python scripts/prepare_nuts2_map.py PATH/TO/NUTS_RG_60M_2021_3035_LEVL_2.geojson"""

from __future__ import annotations

import json
import sys
from pathlib import Path

FRAME = (2400, 1350, 7600, 5500)
"""x0, y0, x1, y1 in km (EPSG:3035): Iceland to Cyprus, the Canaries and the overseas regions out."""
OUT = Path(__file__).resolve().parent.parent / "kb" / "data" / "nuts2_map.json"


def ring_path(ring: list[list[float]]) -> str:
    points: list[tuple[int, int]] = []
    for x, y in ring:
        p = (round(x / 1000) - FRAME[0], FRAME[3] - round(y / 1000))
        if not points or p != points[-1]:
            points.append(p)
    if len(points) < 4:
        return ""
    return "M" + "L".join(f"{x} {y}" for x, y in points[:-1]) + "Z"


def inside(ring: list[list[float]]) -> bool:
    xs = [x / 1000 for x, _ in ring]
    ys = [y / 1000 for _, y in ring]
    return FRAME[0] <= min(xs) and max(xs) <= FRAME[2] and FRAME[1] <= min(ys) and max(ys) <= FRAME[3]


def main(source: Path) -> None:
    data = json.loads(source.read_text(encoding="utf-8"))
    regions: dict[str, str] = {}
    for feature in data["features"]:
        code = feature["properties"]["NUTS_ID"]
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        path = "".join(ring_path(ring) for polygon in polygons if inside(polygon[0]) for ring in polygon)
        if path:
            regions[code] = path
    out = {"source": "GISCO, NUTS 2021 regions, 1:60 million, EPSG:3035 (NUTS_RG_60M_2021_3035_LEVL_2)",
           "attribution": "© EuroGeographics for the administrative boundaries",
           "viewbox": [0, 0, FRAME[2] - FRAME[0], FRAME[3] - FRAME[1]], "regions": dict(sorted(regions.items()))}
    OUT.write_text(json.dumps(out, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{len(regions)} regions -> {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
