"""Reference data about regions: names and NUTS codes, themes, indicators, structural peers and funding rules."""
