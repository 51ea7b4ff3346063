"""French-like text: the sources' own words plus invented ones, drawn by Zipf's law."""

import random
import re
import unicodedata
from collections import Counter
from itertools import accumulate
from pathlib import Path

WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")

# Real French words that the sources never use, each with a stem of its own
# (ornithologu, lavand, boulanger, parchemin), planted in a known share of the
# articles so that search benchmarks can pick a rare, a 5 %, a 20 % and a 98 % term.
MARKERS = {"ornithologue": 0.0005, "lavande": 0.05, "boulangerie": 0.20, "parchemin": 0.98}
MARKER_STEMS = ("ornitholog", "lavand", "boulang", "parchemin")

SYNTHETIC_WORDS = 30_000
ZIPF_EXPONENT = 1.05

ONSETS = ["b", "c", "ch", "d", "f", "g", "gr", "j", "l", "m", "n", "p", "pr", "r", "s", "t", "tr"]
ONSETS += ["v", "br", "cl", "qu", "z"]
VOWELS = ["a", "e", "i", "o", "ou", "é", "è", "au", "eu", "ai", "on", "an", "in", "ui"]
ENDINGS = ["", "", "", "tion", "ment", "age", "ité", "eur", "ique", "ance", "ois", "elle", "ard"]
NAME_SYLLABLES = ["choï", "gou", "haf", "tar", "sar", "raj", "mech", "ri", "ba", "cha", "dbei"]
NAME_SYLLABLES += ["ghé", "lav", "rov", "ak", "sa", "ïd", "nou", "bé", "ja", "dé", "mi", "zaï"]
NAME_SYLLABLES += ["ka", "lé", "fa", "tou", "mar", "ouï", "ha", "mé", "di", "ye", "rè", "kou"]
FIRST_NAMES = ["Sergueï", "Khalifa", "Fayez", "Aguila", "Fathi", "Abdelhamid", "Mohamed"]
FIRST_NAMES += ["Hélène", "Jérôme", "François", "Zoé", "Anaïs", "Noël", "Raphaël", "Chloé"]
FIRST_NAMES += ["Loïc", "Joël", "Ibrahim", "Aïcha", "Hédi", "Saïd", "Karim", "Youssef", "Omar"]
FIRST_NAMES += ["Mevlüt", "Hulusi", "Ghassan", "Stéphanie", "Aref", "Najla", "Salaheddine"]
PLACES = ["Tripoli", "Benghazi", "Syrte", "Misrata", "Tobrouk", "Sebha", "Zaouïa", "Ghadamès"]
PLACES += ["Derna", "Moscou", "Ankara", "Genève", "Berlin", "Le Caire", "Tunis", "Paris", "Rome"]
PLACES += ["Abou Dhabi", "Alger", "Palerme", "Skhirat", "Bouznika", "Jufra", "Koufra", "Gharyan"]


def fold(text: str) -> str:
    """Lower case without accents, as SQL ``desk_fold`` does for letters."""
    decomposed = unicodedata.normalize("NFD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.replace("œ", "oe").replace("æ", "ae").lower()


def unaccented(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def is_marker_like(word: str) -> bool:
    return fold(word).startswith(MARKER_STEMS)


def source_words(directory: Path) -> list[str]:
    """Words of the source documents, most frequent first (ties in alphabetical order)."""
    forms: Counter[str] = Counter()
    for path in sorted(Path(directory).glob("*.txt")):
        forms.update(WORD.findall(path.read_text("utf-8")))
    counts: Counter[str] = Counter()
    capitalised: dict[str, bool] = {}
    for form, count in forms.items():
        lower = form.lower()
        counts[lower] += count
        capitalised[lower] = capitalised.get(lower, True) and form[:1].isupper()
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    words = [word.capitalize() if capitalised[word] else word for word, _ in ranked]
    return [word for word in words if not is_marker_like(word)]


def invented_word(rng: random.Random) -> str:
    syllables = [rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(rng.randint(1, 3))]
    return "".join(syllables) + rng.choice(ENDINGS)


def invented_words(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    words: list[str] = []
    seen = set(taken)
    while len(words) < count:
        word = invented_word(rng)
        if word not in seen and not is_marker_like(word):
            seen.add(word)
            words.append(word)
    return words


class Vocabulary:
    """Words ranked by frequency; ``sample`` draws them by Zipf's law over that rank."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        weights = (1 / rank**ZIPF_EXPONENT for rank in range(1, len(words) + 1))
        self.cum_weights = list(accumulate(weights))

    @classmethod
    def build(cls, rng: random.Random, sources_dir: Path) -> "Vocabulary":
        real = source_words(sources_dir)
        return cls(real + invented_words(rng, SYNTHETIC_WORDS, set(real)))

    def sample(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum_weights, k=count)


def sentence_words(rng: random.Random, vocabulary: Vocabulary) -> list[str]:
    words = vocabulary.sample(rng, rng.randint(8, 24))
    words[0] = words[0][:1].upper() + words[0][1:]
    return words


def render(words: list[str]) -> str:
    """A sentence without its final stop; a comma falls after the first third."""
    if len(words) > 10:
        words = [
            *words[: len(words) // 3],
            words[len(words) // 3] + ",",
            *words[len(words) // 3 + 1 :],
        ]
    return " ".join(words)


def person_name(rng: random.Random) -> str:
    surname = "".join(rng.choice(NAME_SYLLABLES) for _ in range(rng.randint(2, 3)))
    particle = rng.choice(["", "", "", "al-", "el-", "ben "])
    return f"{rng.choice(FIRST_NAMES)} {particle}{surname.capitalize()}"


def place_name(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return rng.choice(PLACES)
    return "".join(rng.choice(NAME_SYLLABLES) for _ in range(2)).capitalize()


def transliterated(name: str) -> str:
    """An English-press spelling: Choïgou -> Shoigu, Sergueï -> Sergei."""
    plain = unaccented(name)
    return plain.replace("ch", "sh").replace("Ch", "Sh").replace("ou", "u").replace("gue", "ge")


def acronym(name: str) -> str:
    return "".join(word[0] for word in name.split() if word[:1].isupper()).upper()
