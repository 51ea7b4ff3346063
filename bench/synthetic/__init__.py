"""A deterministic synthetic corpus for load tests: French-like articles, actors, events, claims.

``generate_corpus --tier S|M|L`` fills the database through ``load.load_corpus``;
``text`` builds the vocabulary and sentences, ``rows`` the rows of every table.
"""

from synthetic.rows import TIERS, Tier
from synthetic.text import MARKERS

__all__ = ["MARKERS", "TIERS", "Tier"]
