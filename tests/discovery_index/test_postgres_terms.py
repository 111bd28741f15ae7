"""Our analysed terms as PostgreSQL tsvector and tsquery literals (`postgres_terms`): pure functions, no database."""

from __future__ import annotations

from lectern.discovery_index.postgres_terms import bucket_of, document_terms, quoted, text_query
from lectern.discovery_index.query_text import parse_query
from lectern.discovery_index.records import ResourceRecord


def lexemes(vector: str) -> dict[str, str]:
    return dict(part.rsplit(":", 1) if ":" in part else (part, "") for part in vector.split(" "))


def test_a_document_carries_its_fields_weights_title_copies_and_sample_bucket() -> None:
    record = ResourceRecord("https://a.example/o/1", "c", "a.example", "u", "Frações", "Tiras de frações", "notas",
                            language="pt-BR", subjects=("Matemática",))  # fmt: skip
    found = lexemes(document_terms(record))
    assert found["'fraca'"] == "1A,5B"  # Portuguese: frações ~ fração; title, then summary after a gap
    assert found["'^fraca'"] == "1A" and found["'matemat'"] == "7B" and found["'not'"] == "11D"
    assert f"'~{bucket_of(record.object_id)}'" in found


def test_a_query_quotes_every_term_and_keeps_its_syntax() -> None:
    query = text_query(parse_query('"equivalent fractions" -decimals frac* OR'), frozenset({"en"}))
    assert query == (
        "('or' & (('equival' <-> 'fraction') | ('equivalent' <-> 'fractions')) & 'frac':*) & !(('decim' | 'decimals'))"
    )
    assert text_query(parse_query("pie"), frozenset({"en"}), title=True) == "'^pie'"
    assert quoted("it's") == "'it''s'" and quoted("a\\b") == "'a\\\\b'"
