"""Say which entity an entry is about and which themes it belongs to; learn the entities a
page names that the registry does not know yet."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from compendium.model import Entity

SPOTLIGHT_THEME = "spotlight"
INTER_AGENCY_THEME = "inter-agency"
SPOTLIGHT_WORDS = re.compile(r"\bSpotlight\b")
SENTENCE_BREAK = re.compile(r"(?<=[a-z)][.!?])\s+(?=[A-Z])")
"""Where a sentence ends and the next begins (a lower-case word or a bracket before it:
not "U.N. Women" or "Dr. Smith")."""
# The mechanisms through which entities act together (issue: networks, task forces,
# reference groups, working groups, joint programmes, UN Action), in the site's three
# languages.
MECHANISM_WORDS = re.compile(
    r"\b(network|task force|reference group|working group|joint programme|joint program|"
    r"UN Action|inter-agency (?:mechanism|group|network|standing committee)|"
    r"réseau interinstitutions|groupe de travail|équipe spéciale|programme conjoint|"
    r"mécanisme interinstitutions|grupo de trabajo|programa conjunto|"
    r"red interinstitucional|mecanismo interinstitucional|equipo de tareas)",
    re.IGNORECASE)
UNATTRIBUTED = "Unattributed"
"""Entity of the records holding text whose entity no rule could find: the editor's to sort."""
_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "–": "-", "‐": "-", "‑": "-",
                             "\u00a0": " "})
_SPACES = re.compile(r"\s+")
_ACRONYM = r"[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*(?:[-/ ][A-Z][A-Za-z0-9]*)?"
NAME_THEN_ACRONYM = re.compile(rf"^(?P<name>[^()]{{4,}}?)\s*\((?P<acronym>{_ACRONYM})\)$")
ACRONYM_THEN_NAME = re.compile(rf"^(?P<acronym>{_ACRONYM})\s*(?:[-–—:])\s*(?P<name>[^()]{{4,}})$")


LOOK_ALIKES = str.maketrans("АВЕКМНОРСТХІЈЅаеорсухіјѕΑΒΕΖΗΙΚΜΝΟΡΤΥΧο",
                            "ABEKMHOPCTXIJSaeopcyxijsABEZHIKMNOPTYXo")
"""Cyrillic and Greek letters drawn as Latin ones: in a name that also has Latin letters
("IОM" with a Cyrillic О), read as the Latin letter."""


def name_key(name: str) -> str:
    """Return the form two spellings of one name share: case, quotes and spaces folded; the
    full-width and compatibility forms read as the letters they stand for (NFKC: "ＩＯＭ"),
    invisible format characters dropped ("IO\u200bM"), and look-alikes in a name of Latin
    letters read as Latin."""
    plain = unicodedata.normalize("NFKC", "".join(
        c for c in name if unicodedata.category(c) != "Cf"))
    if any("LATIN" in unicodedata.name(c, "") for c in plain if c.isalpha()):
        plain = plain.translate(LOOK_ALIKES)
    return _SPACES.sub(" ", plain.translate(_TYPOGRAPHY)).strip().casefold()


SMALL_WORDS = frozenset({"of", "the", "for", "and", "on", "in", "to", "at", "a", "an", "de",
                         "la", "le", "les", "des", "du", "et", "el", "los", "las", "del", "y"})
"""Words a name may place anywhere or leave out ("Office of the United Nations High
Commissioner for Refugees", "United Nations Office of the High Commissioner for Refugees")."""
MIN_NAME_WORDS = 3
"""Words a name needs before its words alone, in any order, can tell an entity."""


def name_words(name: str) -> frozenset[str] | None:
    """Return the words of a long name, order, small words and endings aside (None: too
    short): "Food and Agricultural Organisation" (a page's) is the registry's "Food and
    Agriculture Organization"."""
    words = frozenset(_stem(w) for w in re.findall(r"\w+", name_key(name))
                      if w not in SMALL_WORDS)
    return words if len(words) >= MIN_NAME_WORDS else None


def _stem(word: str) -> str:
    """Return what a word is known by in a name: a British "-is-" read as "-iz-", a plural's
    "s" and a last "al" or "e" left out ("agricultur", "nation", "organization")."""
    word = re.sub(r"is(ation|e|ed|ing)(s?)$", r"iz\1\2", word)
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return re.sub(r"(al|e)$", "", word) if len(word) > 5 else word


@dataclass(frozen=True, slots=True)
class Learned:
    """An entity the import met on a page and the registry does not list."""

    key: str
    """The acronym records will use: the name as the page gives it."""
    name: str
    """Full name (the page's heading or Title field; else the key)."""
    page: str
    """Raw page where it was first met."""
    line: int
    """Line of that page."""
    how: str
    """What named it: a page heading, a dated entry's header, a profile's Icon, a logo."""
    aliases: tuple[str, ...] = ()
    """Other names the pages gave it."""


@dataclass(slots=True)
class Names:
    """Every name of every entity: the registry's, then those learned from the pages."""

    entities: Sequence[Entity]
    """The registry."""
    learned: dict[str, Learned] = field(default_factory=dict)
    """Entities learned, by key, in the order met."""
    _index: dict[str, str] = field(default_factory=dict)
    _words: dict[frozenset[str], str | None] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = None

    def __post_init__(self) -> None:
        for e in self.entities:
            for name in (e.acronym, e.name, *e.aliases):
                self._index.setdefault(name_key(name), e.acronym)
                self._add_words(name, e.acronym)

    def lookup(self, name: str) -> str | None:
        """Return the acronym of the entity called ``name``, None when nobody is: by the
        name as spelt, else by its words in any order (a long name only, and only when one
        entity has those words)."""
        found = self._index.get(name_key(name))
        words = name_words(name) if found is None else None
        return self._words.get(words) if words is not None else found

    def _add_words(self, name: str, key: str) -> None:
        """Index a long name by its words; words two entities share tell neither."""
        words = name_words(name)
        if words is not None:
            self._words[words] = key if self._words.get(words, key) == key else None

    def lookup_heading(self, text: str) -> str | None:
        """Return the entity a heading names, also when it gives name and acronym together:
        ``Full Name (ACR)``, ``ACR – Full Name``, ``ACR: Full Name``."""
        found = self.lookup(text)
        if found is None and (parts := split_name_and_acronym(text)) is not None:
            name, acronym = parts
            found = self.lookup(name) or (self.lookup(acronym) if _is_strict_name(name)
                                          else None)
        return found

    def resolve(self, name: str, page: str, line: int, how: str) -> str:
        """Return the acronym of ``name``, learning it as a new entity when unknown."""
        return self.lookup(name) or self.learn(name, name, page, line, how)

    def learn(self, key: str, name: str, page: str, line: int, how: str) -> str:
        """Add an entity the registry lacks (``key`` and ``name`` may be one); return its key.
        A key or name already known returns that entity, the other name becoming its alias."""
        known = self.lookup(key) or self.lookup(name)
        if known is not None:
            self._alias(known, key if self.lookup(key) is None else name)
            return known
        if not (ENTITY_NAME.fullmatch(key) and ENTITY_NAME.fullmatch(name)):
            # Not a name ("<img src=x …>", "../../tmp/x" after a header's "|"): the text is
            # no one's, for the editor to attribute, and entities.yml gains no such entry.
            return self.learn(UNATTRIBUTED, "Entity not identified by the import", page, line,
                              f"{how} that reads as no entity's name: {name[:60]!r}")
        self.learned[key] = Learned(key, name, page, line, how)
        for each in (key, name):
            self._index[name_key(each)] = key
            self._add_words(each, key)
        self._pattern = None
        return key

    def _alias(self, acronym: str, name: str) -> None:
        """Record ``name`` for a learned entity (registry entities are the editor's)."""
        entity = self.learned.get(acronym)
        if entity is None or self.lookup(name) is not None:
            return
        self._index[name_key(name)] = acronym
        self._add_words(name, acronym)
        self._pattern = None
        if entity.name == entity.key and " " in name and " " not in entity.key:
            self.learned[acronym] = Learned(entity.key, name, entity.page, entity.line,
                                            entity.how, entity.aliases)
        else:
            self.learned[acronym] = Learned(entity.key, entity.name, entity.page, entity.line,
                                            entity.how, (*entity.aliases, name))

    def merge(self, acronym: str, name: str) -> str | None:
        """Make ``name`` a name of ``acronym`` when it names another learned entity (a page
        heading that turns out to be the full name in a profile's Title); return the key
        that was merged away, if any."""
        other = self.lookup(name)
        if other is None or other == acronym or other not in self.learned:
            return None
        gone = self.learned.pop(other)
        for each in (gone.key, gone.name, *gone.aliases):
            self._index[name_key(each)] = acronym
            if (words := name_words(each)) is not None:
                self._words[words] = acronym
        self._pattern = None
        entity = self.learned.get(acronym)
        if entity is not None:
            better = gone.name if entity.name == entity.key else entity.name
            self.learned[acronym] = Learned(entity.key, better, entity.page, entity.line,
                                            entity.how, (*entity.aliases, gone.key))
        return other

    def full_name(self, acronym: str) -> str:
        """Return the full name of an entity, registry or learned."""
        for e in self.entities:
            if e.acronym == acronym:
                return e.name
        learned = self.learned.get(acronym)
        return learned.name if learned is not None else acronym

    def first_named(self, text: str) -> str | None:
        """Return the acronym of the entity named first in ``text``."""
        if self._pattern is None:
            names = sorted({*self._surface_names()}, key=len, reverse=True)
            alternatives = "|".join(_as_written(n) for n in names)
            self._pattern = re.compile(rf"(?<![\w-])({alternatives})(?![\w-])")
        match = self._pattern.search(text.translate(_TYPOGRAPHY))
        return self.lookup(match[1]) if match else None

    def named(self, text: str) -> set[str]:
        """Return the acronyms of every entity ``text`` names."""
        self.first_named("")  # compiles the pattern
        assert self._pattern is not None
        found = (self.lookup(m[1]) for m in self._pattern.finditer(text.translate(_TYPOGRAPHY)))
        return {acronym for acronym in found if acronym is not None}

    def first_actor(self, text: str) -> str | None:
        """Return the acronym of the entity named first in ``text`` as who acts, not as a
        partner: a name in a clause opened by "in collaboration with", "together with",
        "supported by" … is a partner ("In collaboration with the UNFPA, officially agreed
        …" is not UNFPA's entry), and so is one right after "with" anywhere (WITH_BEFORE)."""
        found = self._actor(text)
        return None if found is None else found[0]

    def opening_actor(self, text: str, words: int) -> str | None:
        """Return the entity ``text`` names as who acts if its name starts within its first
        ``words`` words ("The United Nations Relief and Works Agency … (UNRWA) opened …")."""
        found = self._actor(text)
        opening = len(" ".join(text.translate(_TYPOGRAPHY).split(" ")[:words]))
        return found[0] if found is not None and found[1] <= opening else None

    def _actor(self, text: str) -> tuple[str, int] | None:
        """Return first_actor's entity and where its name starts."""
        self.first_named("")  # compiles the pattern
        assert self._pattern is not None
        plain = text.translate(_TYPOGRAPHY)
        clause = 0  # where the clause of the name met opens (found going forward: linear)
        boundaries = iter(m.end() for m in CLAUSE_END.finditer(plain))
        following = next(boundaries, len(plain) + 1)
        listed_to = -1  # where the last name after "with" ended: a name listed after it too
        context: tuple[str, int] | None = None  # a name in an opening "Under the …," clause
        for match in self._pattern.finditer(plain):
            while following <= match.start():
                clause, following = following, next(boundaries, len(plain) + 1)
            if WITH_BEFORE.search(plain, max(clause, match.start() - 24), match.start()) or \
                    (listed_to >= 0 and self._listed(plain, listed_to, match)):
                listed_to = match.end()  # "with UNICEF and WHO": both partners
                continue
            if PARTNER_CLAUSE.match(plain, clause):
                listed_to = match.end()  # "With support from UNDP, UNFPA and WHO, …"
                continue
            entity = self.lookup(match[1])
            if entity is None:
                return context
            if following <= len(plain) and CONTEXT_BEFORE.search(
                    plain, max(clause, match.start() - 32), match.start()):
                # "Under the Spotlight Initiative, UNICEF worked …": the frame, not who acts,
                # unless no one else is named.
                context = context or (entity, match.start())
                continue
            return entity, match.start()
        return context

    def _listed(self, plain: str, after: int, match: re.Match[str]) -> bool:
        """Whether the name ``match`` found goes on the list of partners ending at ``after``:
        joined by "and", or by a comma when the list goes on after it ("with UNDP, UNFPA and
        WHO", "with UNDP, UNFPA and the Ministry"). After a comma a name the list does not go
        on from opens the sentence's main clause: "In collaboration with UN Women, the ILO
        published …" is the ILO's."""
        joined = AND_BETWEEN.fullmatch(plain, after, match.start())
        if joined is None:
            return False
        if not COMMA_ONLY.fullmatch(joined[0]):
            return True
        if LIST_ENDS.match(plain, match.end()):
            return True  # "with UNFPA, UNICEF and the Ministry of …"
        goes_on = LIST_GOES_ON.match(plain, match.end())
        return goes_on is not None and self._pattern is not None and \
            self._pattern.match(plain, goes_on.end()) is not None

    def _surface_names(self) -> list[str]:
        """Return every name as written (quotes folded), registry and learned."""
        names = [n for e in self.entities for n in (e.acronym, e.name, *e.aliases)]
        names += [n for e in self.learned.values() for n in (e.key, e.name, *e.aliases)
                  if e.key != UNATTRIBUTED]
        return [n.translate(_TYPOGRAPHY) for n in names]


PARTNER_CLAUSE = re.compile(
    r"(?i)\s*(?:in (?:close )?(?:collaboration|partnership|cooperation|coordination|conjunction)"
    r"|together with|jointly with|alongside|supported by|funded by|financed by"
    r"|with (?:the )?support|with|en (?:collaboration|partenariat|coopération)|avec"
    r"|soutenu par|en (?:colaboración|cooperación|coordinación)|junto con|con)\b")
"""What opens a clause naming partners rather than who acts (matched at the clause's start:
"Survivors supported by UNHCR" is UNHCR's)."""
CONTEXT_BEFORE = re.compile(
    r"(?i)\b(?:under|within|as (?:a )?part of|in the (?:framework|context) of|through"
    r"|dans le cadre d[eu']|au titre d[eu']|en el marco de|bajo|como parte de|a través de)"
    r"\s+(?:the\s+|l['’]\s*|la\s+|le\s+|el\s+)?(?:\w+\s+){0,2}$")
"""What, right before a name in a clause that ends before the sentence does, makes the name
the frame an entry stands in, not who acts ("Under the Spotlight Initiative, UNICEF worked
…"; "En el marco de la Iniciativa Spotlight, UNICEF …"): the name is the actor only if no
other is named."""
WITH_BEFORE = re.compile(
    r"(?i)\b(?:with|avec|con)\s+(?:the\s+|l['’]\s*|la\s+|le\s+|les\s+|el\s+|los\s+)?$")
""""with" right before a name, anywhere in its clause: the name is who the actor works
with ("Joint research activity with the Unicef Office of Research…"), not who acts."""
AND_BETWEEN = re.compile(r"(?i)\s*(?:,\s*|\s+(?:and|&|et|y|e)\s+|,\s*and\s+)(?:the\s+)?")
"""What lists one name after another ("UNICEF and WHO", "UNDP, UNFPA")."""
LIST_GOES_ON = re.compile(r"(?i)\s*(?:,\s*(?:(?:and|&|et|y|e)\s+)?|\s+(?:and|&|et|y|e)\s+)"
                          r"(?:the\s+)?")
"""What goes on from a name in a list to the next one (", ", ", and ", " and ")."""
LIST_ENDS = re.compile(r"(?i)\s*,?\s+(?:and|&|et|y|e)\s")
"""What opens a list's last item, whoever it names."""
ENTITY_NAME = re.compile(r"[^\W\d_](?:[\w .,&'’()-]|(?<=\w)/(?=\w)){0,119}")
"""What an entity's name or acronym reads as: a letter, then letters, digits, spaces and the
punctuation of names ("UN-Habitat", "Food and Agriculture Organization (FAO)",
"UNDP/UNFPA"), in 120 characters at most."""
COMMA_ONLY = re.compile(r"\s*,\s*(?:the\s+)?", re.IGNORECASE)
"""A name joined to the one before by a comma alone (see Names._listed)."""
CLAUSE_END = re.compile(r"[,;.:]\s")
MIN_WORD_ACRONYM = 4
"""Letters an acronym needs before a text may write it as a word ("Unicef", "Unesco"); a
shorter one written so is a word of the language ("Who")."""


def _as_written(name: str) -> str:
    """Return a pattern for ``name`` as a text may write it: the words of a long name in any
    case ("united nations children's fund") but its acronyms as spelt ("un habitat" is French
    for "a habitat"); a shorter name as spelt ("a world bank of data"); an acronym alone as
    spelt, or as a capitalised word when it is long enough ("Unicef", never "Who")."""
    if len(name.split()) >= MIN_NAME_WORDS:
        return r"\ ".join(re.escape(word) if _is_acronym(word) else f"(?i:{re.escape(word)})"
                          for word in name.split(" "))
    if len(name) >= MIN_WORD_ACRONYM and name.isalpha() and name.isupper():
        return f"{re.escape(name)}|{re.escape(name.capitalize())}"
    return re.escape(name)


def _is_acronym(word: str) -> bool:
    """Whether a word of a name is an acronym (``UN``, ``ONU``, ``EVAW``)."""
    return len(word) > 1 and word.isupper()


def split_name_and_acronym(text: str) -> tuple[str, str] | None:
    """Return (full name, acronym) of ``Full Name (ACR)``, ``ACR – Full Name`` or
    ``ACR: Full Name``; None for any other text."""
    if (m := NAME_THEN_ACRONYM.match(text)) is not None:
        return m["name"], m["acronym"]
    if (m := ACRONYM_THEN_NAME.match(text)) is not None:
        return m["name"], m["acronym"]
    return None


def _is_strict_name(text: str) -> bool:
    """Whether every longer word of ``text`` is capitalised, as in an entity's name (a
    sentence that ends on "(UNICEF)" is not a heading)."""
    words = text.split()
    return len(words) <= 12 and all(w[0].isupper() for w in words if len(w) > 3)


def themes_of(lead_paragraph: str, entity: str) -> tuple[str, ...]:
    """Return the theme tags an entry's first paragraph calls for."""
    themes = []
    # What the entry is about: its first sentence. A passing mention further on ("…under the
    # Spotlight Programme in the Pacific") moved a UNFPA entry to the Spotlight chapter.
    first_sentence = SENTENCE_BREAK.split(lead_paragraph, maxsplit=1)[0]
    if entity == "Spotlight Initiative" or SPOTLIGHT_WORDS.search(first_sentence):
        themes.append(SPOTLIGHT_THEME)
    if MECHANISM_WORDS.search(lead_paragraph):
        themes.append(INTER_AGENCY_THEME)
    return tuple(themes)
