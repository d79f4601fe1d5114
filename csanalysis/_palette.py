"""Colours shared by every plot (a neutral module: estimators and plotting both read it).

Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
Groups that are compared (bad vs good) never use a red/green pair.
"""

PALETTE = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000", "grey": "#999999",
}
#: Colours of compared groups across plots.
GROUP_COLORS = {
    "bad": PALETTE["vermillion"], "good": PALETTE["blue"], "baseline": PALETTE["grey"],
    "dissatisfied": PALETTE["vermillion"], "satisfied": PALETTE["blue"],
    "better": PALETTE["blue"], "worse": PALETTE["vermillion"],
}
