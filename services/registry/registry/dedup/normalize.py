"""Script-neutral name keys: Arabic and French-style Latin spellings meet in one form.

Two forms per name:

* the *skeleton*: consonant classes only, doubled letters collapsed. Arabic does not
  write short vowels and Latin transliterations disagree on them (Mohamed, Mhamed,
  Muhammad), so vowels, long vowels, hamza carriers and ain are dropped on both sides
  and only consonant classes remain (محمد and Mohammed both give "mhmd"). This is the
  cross-script key, also used for blocking.
* the *fold*: the same-script spelling with noise removed (accents, doubled letters,
  dj/j, ch/sh, ou/u, e/i, o/u in Latin; alef, hamza, ta marbuta, alef maqsura in
  Arabic). It keeps vowels, which tell Ali from Lila when both records share a script.

Particles that start a compound name (ben, ould, abd, the article el/al, بن, ولد, عبد, ال)
are glued to the next word so "Ben Ali", "Benali" and "بن علي" tokenise alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

ARABIC_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
ARABIC_LETTERS = re.compile("[\u0621-\u064a\u067e\u0686\u06a4\u06a8\u06af]")

ARABIC_CONSONANT_CLASS: dict[str, str] = {
    "ب": "b",
    "پ": "b",
    "ت": "t",
    "ث": "t",
    "ط": "t",
    "ج": "j",
    "ح": "h",
    "ه": "h",
    "خ": "k",
    "ق": "k",
    "ك": "k",
    "ڨ": "k",
    "گ": "k",
    "د": "d",
    "ذ": "d",
    "ض": "d",
    "ظ": "d",
    "ر": "r",
    "ز": "z",
    "س": "s",
    "ص": "s",
    "ش": "x",
    "چ": "x",
    "غ": "g",
    "ف": "f",
    "ڤ": "f",
    "ل": "l",
    "م": "m",
    "ن": "n",
}
"""Arabic letter → consonant class; letters absent here (alef, hamza, ain, waw, ya, ta marbuta) are vowels."""

ARABIC_ORTHOGRAPHY = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ؤ": "و", "ئ": "ي", "ى": "ي", "ة": "ه"})
ARABIC_SUN_LETTERS = frozenset("تثدذرزسشصضطظلن")
ARABIC_PARTICLES = frozenset({"بن", "بنت", "ابن", "ولد", "عبد", "بو", "ال", "ابو"})

LATIN_PARTICLES = frozenset(
    {"ben", "bent", "bin", "ibn", "ould", "ouled", "abd", "abdel", "abdal", "abdul", "abou", "abu", "bou", "bel"}
    | {"el", "al", "ad", "ed", "er", "es", "et", "ez", "en", "ech", "ach", "ej", "e", "a", "abde", "abda"}
)
"""Words that begin a compound name; the article forms cover sun-letter assimilation."""
LATIN_SUN_INITIALS = ("t", "d", "r", "z", "s", "n", "l", "ch")

LATIN_DIGRAPHS: tuple[tuple[str, str], ...] = (
    ("tch", "X"),
    ("dj", "J"),
    ("ch", "X"),
    ("sh", "X"),
    ("kh", "K"),
    ("gh", "G"),
    ("th", "T"),
    ("dh", "D"),
    ("ph", "F"),
    ("ck", "K"),
    ("qu", "K"),
)
"""Latin digraphs → their consonant class, upper-cased so the letter table leaves them be."""

LATIN_CONSONANT_CLASS: dict[str, str] = {
    "b": "b",
    "p": "b",
    "t": "t",
    "j": "j",
    "h": "h",
    "k": "k",
    "q": "k",
    "c": "k",
    "g": "k",
    "d": "d",
    "r": "r",
    "z": "z",
    "s": "s",
    "x": "ks",
    "f": "f",
    "v": "f",
    "l": "l",
    "m": "m",
    "n": "n",
}
"""Latin letter → consonant class; a lone g is the Algerian rendering of ق (Belgacem)."""

LATIN_FOLDS: tuple[tuple[str, str], ...] = (
    ("tch", "ch"),
    ("dj", "j"),
    ("sh", "ch"),
    ("ph", "f"),
    ("ou", "u"),
    ("w", "u"),
    ("y", "i"),
    ("e", "i"),
    ("o", "u"),
)
DOUBLED = re.compile(r"(.)\1+")
SOFT_C = re.compile(r"c(?=[eiy])")
NOT_LATIN = re.compile(r"[^a-z ]+")
SEPARATORS = re.compile(r"[\s_.,;/]+")
JOINERS = re.compile(r"['’`\-]")


@dataclass(frozen=True, slots=True)
class NameKey:
    """One name in comparable forms: ``skeleton`` across scripts, ``fold`` within its script."""

    skeleton: str
    fold: str
    script: str  # "ar" or "lat"


def is_arabic(text: str) -> bool:
    """Whether ``text`` is written (mostly) in Arabic script."""
    return ARABIC_LETTERS.search(text) is not None


@lru_cache(maxsize=200_000)
def name_key(text: str) -> NameKey | None:
    """Normalise a name in either script; ``None`` when nothing usable is left."""
    if is_arabic(text):
        tokens = arabic_tokens(text)
        skeleton = "".join(arabic_skeleton(token) for token in tokens)
        fold = DOUBLED.sub(r"\1", "".join(tokens))
        script = "ar"
    else:
        tokens = latin_tokens(text)
        skeleton = "".join(latin_skeleton(token) for token in tokens)
        fold = "".join(latin_fold(token) for token in tokens)
        script = "lat"
    if not fold:
        return None
    return NameKey(skeleton=DOUBLED.sub(r"\1", skeleton) or "_", fold=fold, script=script)


def arabic_tokens(text: str) -> list[str]:
    """Arabic words with diacritics and orthographic variants removed, particles glued on."""
    text = ARABIC_DIACRITICS.sub("", text).translate(ARABIC_ORTHOGRAPHY)
    words = ["".join(ARABIC_LETTERS.findall(word)) for word in SEPARATORS.split(JOINERS.sub(" ", text)) if word.strip()]
    split = [part for word in words if word for part in split_abd_compound(word)]
    return glue_particles([strip_arabic_article(word) for word in split], ARABIC_PARTICLES)


def split_abd_compound(word: str) -> list[str]:
    """Split عبدالرحمن written as one word, so its article assimilates like عبد الرحمن."""
    if word.startswith("عبدال") and len(word) > 6:
        return ["عبد", word[3:]]
    return [word]


def strip_arabic_article(word: str) -> str:
    """Drop the article's alef, and its lam before a sun letter, as transliterations do."""
    if len(word) > 3 and word.startswith("ال"):
        return word[2:] if word[2] in ARABIC_SUN_LETTERS else word[1:]
    return word


def arabic_skeleton(word: str) -> str:
    """Consonant classes of an Arabic word, a final h class dropped (ta marbuta, or -ah in Latin).

    A word-initial ya is a consonant (Yamina يمينة is not Amina أمينة), as is a Latin initial y.
    """
    initial = "y" if word.startswith("ي") else ""
    return initial + "".join(ARABIC_CONSONANT_CLASS.get(letter, "") for letter in word).removesuffix("h")


def latin_tokens(text: str) -> list[str]:
    """Lower-case ASCII words, accents stripped, hyphenated and particle compounds glued."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    ascii_text = "".join(char for char in decomposed if not unicodedata.combining(char))
    ascii_text = NOT_LATIN.sub("", SEPARATORS.sub(" ", JOINERS.sub("", ascii_text)))
    words = [assimilate_latin_article(word, following) for word, following in pairwise([*ascii_text.split(), ""])]
    return glue_particles(words, LATIN_PARTICLES)


def assimilate_latin_article(word: str, following: str) -> str:
    """Drop an article's l before a sun letter, as spoken: Abd El Rahmane → Abd E Rahmane (Abderrahmane)."""
    if word in LATIN_PARTICLES and word.endswith(("el", "al")) and following.startswith(LATIN_SUN_INITIALS):
        return word[:-1]
    return word


def latin_skeleton(word: str) -> str:
    """Consonant classes of a Latin transliteration: digraphs first, then vowels and a final h class dropped."""
    for digraph, replacement in LATIN_DIGRAPHS:
        word = word.replace(digraph, replacement)
    word = SOFT_C.sub("S", word)
    initial = "y" if word.startswith("y") else ""
    classes = (letter.lower() if letter.isupper() else LATIN_CONSONANT_CLASS.get(letter, "") for letter in word)
    return initial + "".join(classes).removesuffix("h")


def latin_fold(word: str) -> str:
    """A Latin spelling with transliteration noise removed but vowels kept."""
    for pattern, replacement in LATIN_FOLDS:
        word = word.replace(pattern, replacement)
    return DOUBLED.sub(r"\1", word)


def glue_particles(words: list[str], particles: frozenset[str]) -> list[str]:
    """Glue each particle to the word after it (Ben Ali → benali, عبد القادر → عبدلقادر)."""
    glued: list[str] = []
    pending = ""
    for word in words:
        if word in particles:
            pending += word
            continue
        glued.append(pending + word)
        pending = ""
    if pending:
        glued.append(pending)
    return glued
