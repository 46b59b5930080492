"""Tux Paint's photographic object cut-outs (``tuxpaint-stamps-default``) with curated English labels.

The package holds ~800 stamps: PNGs with alpha, a ``.txt`` whose first line is an English
description, a ``.dat`` of flags (``colorable`` = a grey shape Tux Paint fills with colour), in
category folders. Kept: photographs. Dropped: ``cartoon`` and ``symbols`` folders (the authors'
own marks), ``colorable`` shapes, ``*_mirror`` copies (scenes flip objects themselves), and
drawings, which two measured cues catch: photos have a rich colour distribution (entropy of
the 15-bit colour histogram >= 4 bits) and almost no perfectly flat neighbourhoods (<= 15 % of
opaque pixels equal to both their right and lower neighbours), while drawings are flat fills.
``OVERRIDES`` fixes the cues' mistakes, checked by looking at every stamp.

Labels: the object's specific name (the file name, or ``NAMES`` where the file name misleads:
``beetle`` is a VW car, ``tucan`` a toucan, ``flower10`` a hibiscus), then broader categories
from ``FOLDER_CATEGORIES``, or ``STEM_CATEGORIES`` where the folder is wrong (a lobster in
``fish``, rabbits in ``rodents``). The names were checked against each stamp's description.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from .cache import cache_dir
from .debian import fetch

PACKAGE = "tuxpaint-stamps-default"
STAMPS_DIR = "usr/share/tuxpaint/stamps"
INCLUDE = ("*/stamps/*.png", "*/stamps/*.txt", "*/stamps/*.dat")
MIN_ENTROPY_BITS = 4.0
MAX_FLAT_FRACTION = 0.15

# Stamp key (path under the stamps folder, no suffix) -> keep?  Where the cues are wrong.
OVERRIDES: dict[str, bool] = {
    "animals/birds/albino_peahen": True,  # photos with large flat (clipped or palette) areas
    "animals/lizards/iguana": True,
    "animals/mammals/rhino_black": True,
    "plants/flowers/flower5": True,
    "plants/flowers/flower8": True,
    "clothes/button": False,  # drawing
    "household/arttools/highlighter": False,  # drawing with a logo
    "military/final-roll-call": False,  # memorial arrangement, no plain name
    "military/fireman240a": False,  # same file as people/fireman240a
    "naturalforces/fire": False,  # soft, semi-transparent flames
    "seasonal/christmas/xmas_tp_bulb": False,  # tiny rendered ornament
    "seasonal/easter/bluebird": False,  # drawings, smoothly shaded
    "seasonal/easter/bunny": False,
    "seasonal/easter/bunny-egg": False,
    "seasonal/easter/butterfly": False,
    "seasonal/easter/chick": False,
    "seasonal/easter/chick-in-egg": False,
    "seasonal/easter/daffodil": False,
    "seasonal/easter/wrapped_chocolate_easter_egg": False,  # tiny, unrecognisable
    "seasonal/easter/wrapped_chocolate_easter_egg_2": False,
    "seasonal/newyears/fireworks2": False,
    "seasonal/newyears/party-hat": False,
    "seasonal/newyears/party-horn-in": False,
    "seasonal/newyears/party-horn-out": False,
    "space/planets/2_venus": False,  # renders, not photographs
    "space/planets/4_mars": False,
    "space/planets/5_jupiter": False,
    "space/planets/6_saturn": False,
    "space/planets/7_uranus": False,
    "space/planets/8_neptune": False,
    "space/planets/9_pluto": False,
    "space/voyager2": False,
    "town/roadsigns/dead_end_sign": False,  # printed symbols and text
    "town/roadsigns/no_entry_sign": False,
    "town/roadsigns/no_uturn": False,
    "town/roadsigns/school_sign": False,
    "town/roadsigns/toilets": False,
    "town/roadsigns/xing_school": False,
}

# File stem -> specific name, where the cleaned file name is wrong, obscure or too specific.
NAMES: dict[str, str] = {
    "3_earth": "earth",
    "747": "airplane",
    "Apricot_whole": "apricot",
    "Brown_slug": "slug",
    "Candy_cane_photo_1": "candy cane",
    "Candy_cane_photo_2": "candy cane",
    "Cherry_Stella": "cherry",
    "Christmas_Tree_photo": "christmas tree",
    "Christmas_pudding": "christmas pudding",
    "German_Christmas_toy": "wooden toy",
    "Lightbulb": "light bulb",
    "Mince_Pie": "mince pie",
    "Roast_turkey": "roast turkey",
    "adeenia": "desert rose",
    "adelaide-rosella": "parrot",
    "anemone_red": "anemone",
    "anthoorium": "anthurium",
    "apollo_lander": "lunar lander",
    "apple_fuji": "apple",
    "apple_granny_smith": "apple",
    "apple_green": "apple",
    "apple_red": "apple",
    "apple_sierra_beauty": "apple",
    "appooppanthady": "milkweed",
    "australian_rules_football": "football",
    "balloon360": "hot air balloon",
    "bandage_adhesive": "bandage",
    "beetle": "car",
    "bluegroper": "groper",
    "bolsom": "balsam",
    "bradley": "armored vehicle",
    "camera_35mm": "camera",
    "cementmixer": "cement mixer",
    "chemparathi": "hibiscus",
    "chicken_profile": "chicken",
    "chilepepper": "chili pepper",
    "chimp": "chimpanzee",
    "chineseJunk": "sailing ship",
    "chuvanna_plastic_poo": "plastic flower",
    "clothespin_new": "clothespin",
    "clothespin_old": "clothespin",
    "coraltrout": "coral trout",
    "cow_white": "cow",
    "cricketball": "cricket ball",
    "crowned_crane": "crane",
    "cylinder": "gas cylinder",
    "cymbal_crash": "cymbal",
    "doe": "deer",
    "donkey_eating": "donkey",
    "drake": "duck",
    "drum_tomtom_floor": "drum",
    "drumkit": "drum kit",
    "edward_bear": "teddy bear",
    "european-bear": "bear",
    "f22_raptor": "fighter jet",
    "fireman200b": "firefighter",
    "fireman240a": "firefighter",
    "firetruck": "fire truck",
    "flower10": "hibiscus",
    "gander": "goose",
    "garbagecan": "trash can",
    "garbagetruck": "garbage truck",
    "garlics": "garlic",
    "gnu-baby": "wildebeest",
    "gnu-baby-stand": "wildebeest",
    "gnu-sitting": "wildebeest",
    "gnu-stand": "wildebeest",
    "grannysmith": "rag doll",
    "green_korean_bus": "bus",
    "guineafowl": "guinea fowl",
    "guitar_classical": "guitar",
    "guitar_electric": "guitar",
    "guitar_electric_bass": "bass guitar",
    "helmeted_guineafowl": "guinea fowl",
    "hen": "chicken",
    "heron_greatblue": "heron",
    "heron_greatblue_flying": "heron",
    "holly_leaves": "holly",
    "holm_oak": "oak tree",
    "home_compost_bin": "compost bin",
    "indian_blackbuck": "antelope",
    "indycar": "race car",
    "infantry-stryker": "armored vehicle",
    "kiwi": "kiwi fruit",
    "liberia-palm": "palm tree",
    "lettuce_bolted": "lettuce",
    "little-penguin": "penguin",
    "magellanic_penguin": "penguin",
    "mallet_metal": "mallet",
    "mandarine": "mandarin orange",
    "measuring_tape": "tape measure",
    "mercurythermometer": "thermometer",
    "moon_full": "moon",
    "moonwrasse": "wrasse",
    "mountaingoat": "mountain goat",
    "murray-mussel": "mussel",
    "nandou": "rhea",
    "old_naval_shell": "artillery shell",
    "orange_seville": "orange",
    "paintbrush_large": "paintbrush",
    "pattypan_squash": "squash",
    "pen_dryerase": "marker pen",
    "pepper": "bell pepper",
    "pig_golden": "pig",
    "pig_golden2": "pig",
    "pigface": "flower",
    "pink_flamingo": "flamingo",
    "pink_tricycle": "tricycle",
    "pitcher_small": "pitcher",
    "plyers": "pliers",
    "pumpkin_small": "pumpkin",
    "rabbit_little": "rabbit",
    "rainbow-lorikeet": "parrot",
    "rambutan": "tree",
    "red-gazania": "gazania",
    "redlettuce": "lettuce",
    "rubberduck": "rubber duck",
    "scissors_small_closed": "scissors",
    "scissors_small_open": "scissors",
    "rhino_black": "rhinoceros",
    "sedan": "car",
    "sheep_lamb": "lamb",
    "silver-gull": "gull",
    "seagull": "gull",
    "sliced_lime": "lime",
    "sliced_orange": "orange",
    "soccer": "soccer ball",
    "spacewalk": "astronaut",
    "sportscar2": "sports car",
    "stripedfish": "fish",
    "tamarin_emperor": "tamarin",
    "tiger_sumatran": "tiger",
    "tree336": "tree",
    "trophy_cup": "trophy",
    "truck": "pickup truck",
    "tucan": "toucan",
    "uk_post_box": "post box",
    "usps_mailbox": "mailbox",
    "walnutBoat": "sailboat",
    "walnut_shelled": "walnut",
    "wapiti": "elk",
    "wheel_tractor": "wheel",
    "wrench_adjustable": "wrench",
    "wrench_plumbers": "wrench",
    "wheelie_bin": "trash can",
    "whitestar-petunia": "petunia",
    "wildboar": "wild boar",
    "ww2_german_gun": "tank",
    "xanthia": "moth",
    "xmaswreath": "wreath",
    "yellow-flower": "flower",
    "yellowpepper": "bell pepper",
    "grave-a": "gravestone",
    "grave-b": "gravestone",
    "grave-c": "gravestone",
    "grave-d": "gravestone",
    "grave-e": "gravestone",
    "grave-f": "gravestone",
    "grave-g": "gravestone",
    "grave-h": "gravestone",
    "grave-i": "gravestone",
    "grave-j": "gravestone",
}

# Folder -> broader categories (complete list per folder, no inheritance, so each line reads alone).
FOLDER_CATEGORIES: dict[str, tuple[str, ...]] = {
    "animals/amphibians": ("amphibian", "animal"),
    "animals/birds": ("bird", "animal"),
    "animals/fish": ("fish", "animal"),
    "animals/insects": ("insect", "animal"),
    "animals/lizards": ("reptile", "animal"),
    "animals/mammals": ("mammal", "animal"),
    "animals/mammals/apes": ("primate", "mammal", "animal"),
    "animals/mammals/aquatic": ("sea mammal", "mammal", "animal"),
    "animals/mammals/bears": ("bear", "mammal", "animal"),
    "animals/mammals/bears/toys": ("toy",),
    "animals/mammals/bovines": ("hoofed mammal", "mammal", "animal"),
    "animals/mammals/camel": ("camel", "hoofed mammal", "mammal", "animal"),
    "animals/mammals/cats": ("big cat", "mammal", "animal"),
    "animals/mammals/deer": ("deer", "hoofed mammal", "mammal", "animal"),
    "animals/mammals/dogs": ("canine", "mammal", "animal"),
    "animals/mammals/equines": ("hoofed mammal", "mammal", "animal"),
    "animals/mammals/rodents": ("rodent", "mammal", "animal"),
    "animals/marsupials": ("marsupial", "mammal", "animal"),
    "animals/shellfish": ("shellfish", "animal"),
    "clothes": ("household object",),
    "food/fruit": ("fruit", "food"),
    "food/nuts": ("nut", "food"),
    "food/spices": ("spice", "food"),
    "food/vegetables": ("vegetable", "food"),
    "hobbies": ("device",),
    "hobbies/music/brass": ("brass instrument", "musical instrument"),
    "hobbies/music/percussion": ("percussion instrument", "musical instrument"),
    "hobbies/music/string": ("string instrument", "musical instrument"),
    "hobbies/music/wind": ("wind instrument", "musical instrument"),
    "household": ("household object",),
    "household/arttools": ("household object",),
    "household/dishes": ("kitchenware",),
    "household/dishes/utensils": ("kitchen utensil", "kitchenware"),
    "household/tools": ("tool",),
    "medical": ("medical equipment",),
    "military": ("soldier", "person"),
    "military/ammunition": ("weapon",),
    "military/vehicles": ("military vehicle", "vehicle"),
    "people": ("person",),
    "people/toys": ("toy",),
    "plants": ("plant",),
    "plants/flowers": ("flower", "plant"),
    "plants/flowers/plastic": ("flower",),
    "plants/mushrooms": ("mushroom", "fungus"),
    "plants/trees": ("tree", "plant"),
    "seasonal": ("household object",),
    "seasonal/christmas": ("christmas",),
    "seasonal/halloween": ("stone",),
    "space": ("spacecraft",),
    "space/moon": ("astronomical object",),
    "space/planets": ("planet", "astronomical object"),
    "sports": ("sports equipment",),
    "town": ("street furniture",),
    "town/roadsigns": ("street furniture",),
    "vehicles": ("vehicle",),
    "vehicles/auto": ("car", "vehicle"),
    "vehicles/construction": ("construction vehicle", "vehicle"),
    "vehicles/cycle": ("vehicle",),
    "vehicles/emergency": ("emergency vehicle", "vehicle"),
    "vehicles/flight": ("aircraft", "vehicle"),
    "vehicles/flight/planes": ("aircraft", "vehicle"),
    "vehicles/masstransit": ("vehicle",),
    "vehicles/race": ("car", "vehicle"),
    "vehicles/ship": ("boat", "vehicle"),
}

# File stem -> categories replacing the folder's, where the folder misleads.
STEM_CATEGORIES: dict[str, tuple[str, ...]] = {
    "lobster": ("crustacean", "animal"),
    "Woodlouse": ("crustacean", "animal"),
    "Brown_slug": ("mollusc", "animal"),
    "rabbit": ("mammal", "animal"),
    "rabbit-2": ("mammal", "animal"),
    "rabbit_little": ("mammal", "animal"),
    "rubberduck": ("toy",),
    "cementmixer": ("machine",),
    "f22_raptor": ("aircraft", "military vehicle", "vehicle"),
    "paratrooper": ("parachute", "soldier", "person"),
    "spacewalk": ("person",),
    "lavender": ("herb", "plant"),
    "thyme": ("herb", "plant"),
    "holly_leaves": ("plant",),
    "pinecone": ("plant",),
    "Candy_cane_photo_1": ("candy", "food", "christmas"),
    "Candy_cane_photo_2": ("candy", "food", "christmas"),
    "Christmas_pudding": ("dessert", "food", "christmas"),
    "Mince_Pie": ("dessert", "food", "christmas"),
    "Roast_turkey": ("food", "christmas"),
    "Christmas_Tree_photo": ("tree", "christmas"),
    "German_Christmas_toy": ("toy", "christmas"),
    "australian_rules_football": ("ball", "sports equipment"),
    "basketball": ("ball", "sports equipment"),
    "cricketball": ("ball", "sports equipment"),
    "football": ("ball", "sports equipment"),
    "soccer": ("ball", "sports equipment"),
    "tennis_ball": ("ball", "sports equipment"),
    "railroad_crossing": ("road sign", "street furniture"),
}


@dataclass(frozen=True)
class Stamp:
    """One photographic cut-out: its PNG, a stable key, its labels (specific name first), flip allowed."""

    path: Path
    key: str
    labels: tuple[str, ...]
    flippable: bool

    @property
    def name(self) -> str:
        return self.labels[0]


def photo_cues(rgba: np.ndarray) -> tuple[float, float]:
    """Colour entropy (bits, 15-bit histogram) and flat-neighbourhood fraction over opaque pixels."""
    opaque = rgba[..., 3] >= 250
    rgb = rgba[..., :3].astype(np.int16)
    if not opaque.any():
        return 0.0, 1.0
    q = rgb[opaque] // 8
    _, counts = np.unique(q[:, 0] * 1024 + q[:, 1] * 32 + q[:, 2], return_counts=True)
    p = counts / counts.sum()
    entropy = float(-(p * np.log2(p)).sum())
    inner = opaque[:-1, :-1] & opaque[1:, :-1] & opaque[:-1, 1:]
    if not inner.any():
        return entropy, 1.0
    same_right = (rgb[:-1, 1:] == rgb[:-1, :-1]).all(-1)
    same_down = (rgb[1:, :-1] == rgb[:-1, :-1]).all(-1)
    return entropy, float((same_right & same_down)[inner].mean())


def looks_photographic(entropy: float, flat: float) -> bool:
    """True for rich-coloured, non-flat cut-outs (see ``photo_cues``): photographs, not drawings."""
    return entropy >= MIN_ENTROPY_BITS and flat <= MAX_FLAT_FRACTION


def stamp_labels(key: str) -> tuple[str, ...]:
    """Specific name then broader categories for a stamp key, from the curated tables."""
    folder, _, stem = key.rpartition("/")
    name = NAMES.get(stem) or re.sub(r"[-_ ]*\d+[a-z]?$", "", stem).replace("_", " ").replace("-", " ")
    categories = STEM_CATEGORIES.get(stem, FOLDER_CATEGORIES.get(folder, ()))
    return tuple(dict.fromkeys([name.lower().strip(), *categories]))


def catalogue(root: Path | None = None) -> list[Stamp]:
    """All photographic stamps, sorted by key; fetches the package when ``root`` is not given."""
    root = Path(root) if root is not None else fetch(PACKAGE, INCLUDE) / STAMPS_DIR
    cues_file = (
        cache_dir("stamps") / f"cues-{hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:12]}.json"
    )
    cues = json.loads(cues_file.read_text()) if cues_file.exists() else {}
    stamps = [stamp for path in sorted(root.rglob("*.png")) if (stamp := _judge(root, path, cues))]
    cues_file.write_text(json.dumps(cues))
    return stamps


def _judge(root: Path, path: Path, cues: dict[str, list[float]]) -> Stamp | None:
    """The stamp for one PNG, or None when it is not a usable photograph; ``cues`` memoises the measures."""
    rel = path.relative_to(root)
    key = rel.with_suffix("").as_posix()
    dat = path.with_suffix(".dat")
    flags = dat.read_text(errors="ignore").split() if dat.exists() else []
    excluded_folder = rel.parts[0] == "symbols" or "cartoon" in rel.parts or path.stem.endswith("_mirror")
    if excluded_folder or "colorable" in flags or rel.parent.as_posix() not in FOLDER_CATEGORIES:
        return None
    keep = OVERRIDES.get(key)
    if keep is None:
        if key not in cues:
            cues[key] = list(photo_cues(np.asarray(Image.open(path).convert("RGBA"))))
        keep = looks_photographic(*cues[key])
    return Stamp(path, key, stamp_labels(key), "nomirror" not in flags) if keep else None
