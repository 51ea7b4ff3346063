"""The spaCy French pipeline, loaded once per process on first use."""

import functools

MODEL = "fr_core_news_md"
# Sentence boundaries come from the parser; the lemmatizer needs the morphologizer
# and attribute ruler, speakers need the parser and new people need the NER.
UNUSED_PIPES = ("senter",)
# Quotation marks glued to an elided word ("qu'«aucun") must be tokens of their own.
QUOTE_MARKS = r"[«»“”‹›„]"


def _register_paragraph_breaks() -> None:
    from spacy.language import Language

    @Language.component("desk_paragraph_breaks")
    def paragraph_breaks(doc):
        """A sentence never runs over a line break: titles and paragraphs end there."""
        for token in doc[1:]:
            if "\n" in doc[token.i - 1].text or "\n" in doc[token.i - 1].whitespace_:
                token.is_sent_start = True
        return doc


@functools.cache
def pipeline():
    """The loaded pipeline (seconds and ~150 MB the first time, then shared by the process)."""
    import spacy  # deferred: importing spaCy alone takes a second

    _register_paragraph_breaks()
    from spacy.util import compile_infix_regex, compile_prefix_regex

    nlp = spacy.load(MODEL, exclude=list(UNUSED_PIPES))
    nlp.add_pipe("desk_paragraph_breaks", before="parser")
    tokenizer = nlp.tokenizer
    tokenizer.infix_finditer = compile_infix_regex([*nlp.Defaults.infixes, QUOTE_MARKS]).finditer
    tokenizer.prefix_search = compile_prefix_regex([*nlp.Defaults.prefixes, QUOTE_MARKS]).search
    return nlp
