"""Russian named-entity recognition through natasha, loaded once, lazily and offline.

natasha ships its embeddings and NER model inside the installed package (natasha/data), so
loading never touches the network. Loading takes about two seconds; tests and the CLI pay it only
when Russian text is redacted.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

_LOCK = threading.Lock()


@dataclass(frozen=True)
class Entity:
    start: int
    end: int
    kind: str  # PER, LOC, ORG


@functools.lru_cache(maxsize=1)
def _models():
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    emb = NewsEmbedding()
    return Segmenter(), NewsNERTagger(emb)


def russian_entities(text: str) -> list[Entity]:
    from natasha import Doc

    with _LOCK:  # the model objects are not documented as thread-safe
        segmenter, tagger = _models()
        doc = Doc(text)
        doc.segment(segmenter)
        doc.tag_ner(tagger)
        return [Entity(s.start, s.stop, s.type) for s in doc.spans]
