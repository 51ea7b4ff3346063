"""The spaCy French pipeline, loaded once per process on first use."""

import functools

MODEL = "fr_core_news_md"
# Sentence boundaries come from the parser; the lemmatizer needs the morphologizer
# and attribute ruler, speakers need the parser and new people need the NER.
UNUSED_PIPES = ("senter",)
# Quotation marks glued to an elided word ("qu'«aucun") must be tokens of their own.
QUOTE_MARKS = r"[«»“”‹›„]"


@functools.cache
def pipeline():
    """The loaded pipeline (seconds and ~150 MB the first time, then shared by the process)."""
    import spacy  # deferred: importing spaCy alone takes a second
    from spacy.util import compile_infix_regex, compile_prefix_regex

    nlp = spacy.load(MODEL, exclude=list(UNUSED_PIPES))
    tokenizer = nlp.tokenizer
    tokenizer.infix_finditer = compile_infix_regex([*nlp.Defaults.infixes, QUOTE_MARKS]).finditer
    tokenizer.prefix_search = compile_prefix_regex([*nlp.Defaults.prefixes, QUOTE_MARKS]).search
    return nlp
