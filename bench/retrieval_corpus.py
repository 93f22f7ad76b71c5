"""The retrieval benchmark's corpus: the hand-written facts (`retrieval_facts.py`) among generated distractors,
deterministic for a seed, as the fake's seeding payloads (`/__testbed__/seed/notes`, `/__testbed__/seed/files`).

Distractors are everyday notes and Markdown files from templates over the same vocabulary as the facts (the
boiler, the car, trips, the dentist, the budget...), so a word shared by a query and its answer is rarely unique to
that answer. Facts in Files are Markdown/text files and documents: .docx (python-docx), .odt (odfpy), .xlsx
(openpyxl) and .pdf (written by hand below: no installed package writes PDF text).
"""

from __future__ import annotations

import base64
import io
import random
from dataclasses import dataclass
from typing import Any

from retrieval_facts import FACTS, Fact

__all__ = ["EXACT", "PARAPHRASE", "Corpus", "Query", "build_corpus", "document_bytes"]

SEED = 25
PARAPHRASE, EXACT = "paraphrase", "exact"  # the two query sets


@dataclass(frozen=True)
class Query:
    text: str
    fact: int  # index into Corpus.facts
    source: str  # notes, text files or documents
    kind: str  # "paraphrase" (other words) or "exact" (a rare word of the text, typed from memory)


@dataclass(frozen=True)
class Corpus:
    facts: list[Fact]
    queries: list[Query]
    notes: list[dict[str, Any]]  # seed specs: the facts' notes first, in order, then the distractors
    files: list[dict[str, Any]]  # seed specs
    distractors: int

    @property
    def objects(self) -> int:
        return len(self.notes) + len(self.files)


_PEOPLE = ["Anna", "Ben", "Chloe", "David", "Elif", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Kai", "Lena", "Marek"]
_PROJECTS = ["billing", "onboarding", "search", "mobile app", "data platform", "website", "reporting", "support"]
_TOPICS = ["the roadmap", "hiring", "the budget", "a customer complaint", "the release", "testing", "the server",
           "holiday cover", "the offsite agenda", "security training", "invoices", "the contract"]  # fmt: skip
_ITEMS = ["milk", "eggs", "bread", "apples", "coffee", "rice", "tomatoes", "cheese", "batteries", "soap", "pasta",
          "onions", "lemons", "yoghurt", "flour", "light bulbs", "bin bags", "cat food", "olive oil",
          "tea"]  # fmt: skip
_DISHES = ["curry", "risotto", "pancakes", "chili", "soup", "bread rolls", "apple cake", "stir fry", "quiche"]
_CITIES = ["Lisbon", "Krakow", "Oslo", "Seville", "Vienna", "Tallinn", "Naples", "Dublin", "Ghent", "Bologna"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]  # fmt: skip
_HOME = ["the boiler", "the kitchen tap", "the garden fence", "the attic window", "the dishwasher", "the doorbell",
         "the bathroom fan", "the car battery", "the bike brakes", "the washing machine", "the router"]  # fmt: skip
_TRADES = ["the plumber", "the electrician", "the landlord", "the garage", "the insurance", "the bank", "the vet"]
_EXERCISES = ["squats", "push-ups", "rowing", "lunges", "plank", "cycling", "swimming", "yoga"]
_SYMPTOMS = ["slight headache", "feeling fine", "sore throat", "tired after lunch", "back pain", "good energy"]
_SHOPS = ["hardware store", "pharmacy", "bookshop", "garden centre", "supermarket", "electronics shop", "bakery"]


def _pick(rng: random.Random, words: list[str], k: int = 1) -> str:
    return ", ".join(rng.sample(words, k))


def _distractor(rng: random.Random, n: int) -> tuple[str, str, str]:
    """(category, title, text) of the n-th distractor."""
    day = f"{rng.randint(1, 28)} {rng.choice(_MONTHS)}"
    kind = n % 9
    if kind == 0:
        return "Lists", f"Shopping {day}", f"Buy {_pick(rng, _ITEMS, rng.randint(3, 7))}."
    if kind == 1:
        who, project, topic = rng.choice(_PEOPLE), rng.choice(_PROJECTS), rng.choice(_TOPICS)
        return (
            "Work",
            f"Meeting {project} {day}",
            (
                f"Discussed {topic} with {who} for the {project} project. Next step: {who} sends a summary; we meet "
                f"again in {rng.choice(_MONTHS)}."
            ),
        )
    if kind == 2:
        dish = rng.choice(_DISHES)
        return (
            "Recipes",
            f"Recipe {dish}",
            (
                f"{dish.capitalize()}: {_pick(rng, _ITEMS, 4)}; cook for {rng.randint(10, 60)} minutes at "
                f"{rng.choice([160, 180, 200, 220])} degrees."
            ),
        )
    if kind == 3:
        city = rng.choice(_CITIES)
        return (
            "Travel",
            f"Trip idea {city}",
            (
                f"Maybe {city} in {rng.choice(_MONTHS)}: flights around {rng.randint(80, 400)} euros, look for a hotel "
                f"near the old town, visit the museum and the market."
            ),
        )
    if kind == 4:
        ex = rng.sample(_EXERCISES, 2)
        return (
            "Health",
            f"Workout {day}",
            (
                f"{ex[0]} {rng.randint(2, 5)} sets of {rng.randint(8, 20)}, {ex[1]} {rng.randint(10, 45)} minutes; "
                f"{rng.choice(_SYMPTOMS)}."
            ),
        )
    if kind == 5:
        thing, trade = rng.choice(_HOME), rng.choice(_TRADES)
        return (
            "Home",
            f"To do {day}",
            (
                f"Fix {thing}; call {trade} about {rng.choice(_HOME)}; pay the {rng.choice(['water', 'gas', 'phone'])} "
                f"bill by the {rng.randint(1, 28)}th."
            ),
        )
    if kind == 6:
        shop = rng.choice(_SHOPS)
        return (
            "Finance",
            f"Receipt {shop}",
            (
                f"Paid {rng.randint(5, 300)}.{rng.randint(0, 99):02d} euros at the {shop} for "
                f"{_pick(rng, _ITEMS, 2)} on {day}; keep for the tax return."
            ),
        )
    if kind == 7:
        return (
            "Health",
            f"Health log {day}",
            (
                f"Slept {rng.randint(5, 9)} hours, {rng.choice(_SYMPTOMS)}; {rng.randint(4, 14)} thousand steps; "
                f"appointment with the {rng.choice(['dentist', 'doctor', 'optician', 'physio'])} in "
                f"{rng.choice(_MONTHS)}."
            ),
        )
    pair = rng.sample(_PEOPLE, 2)
    return (
        "Family",
        f"Weekend {day}",
        (
            f"{pair[0]} and {pair[1]} visit on Saturday; {rng.choice(_DISHES)} for dinner, then a walk; remember "
            f"{rng.choice(_ITEMS)} and the present."
        ),
    )


def build_corpus(facts: int = len(FACTS), distractors: int = 300, queries: int | None = None) -> Corpus:
    """`facts` of the 60 (spread over every source when fewer), `distractors` generated objects (two thirds notes,
    one third Markdown files), and at most `queries` queries (all of the chosen facts' by default): each fact's
    paraphrases, then its exact-word query."""
    step = max(1, len(FACTS) // facts)
    chosen = FACTS[::step][:facts]
    rng = random.Random(SEED)  # noqa: S311 - a benchmark corpus, not secrets
    notes: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    for fact in chosen:
        if fact.is_note:
            notes.append({"title": fact.title, "content": fact.text, "category": fact.where})
        elif fact.source == "text files":
            files.append({"path": fact.where, "content": fact.text})
        else:
            blob = document_bytes(fact)
            files.append({"path": fact.where, "content_base64": base64.b64encode(blob).decode()})
    for n in range(distractors):
        category, title, text = _distractor(rng, n)
        if n % 3 == 2:
            slug = title.lower().replace(" ", "-")
            files.append({"path": f"/Documents/{category}/{slug}-{n}.md", "content": f"# {title}\n\n{text}\n"})
        else:
            notes.append({"title": f"{title} ({n})", "content": text, "category": category})
    asked = [
        Query(text, i, fact.source, kind)
        for i, fact in enumerate(chosen)
        for text, kind in [*((q, PARAPHRASE) for q in fact.queries), *([(fact.exact, EXACT)] if fact.exact else [])]
    ]
    return Corpus(chosen, asked[:queries] if queries else asked, notes, files, distractors)


def document_bytes(fact: Fact) -> bytes:
    """The fact as a document of its path's format."""
    out = io.BytesIO()
    if fact.suffix == "docx":
        import docx

        document = docx.Document()
        document.add_heading(fact.title, 1)
        document.add_paragraph(fact.text)
        document.save(out)
    elif fact.suffix == "odt":
        from odf.opendocument import OpenDocumentText
        from odf.text import H, P

        doc = OpenDocumentText()
        doc.text.addElement(H(outlinelevel=1, text=fact.title))
        doc.text.addElement(P(text=fact.text))
        doc.save(out)
    elif fact.suffix == "xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = fact.title
        for line in fact.text.splitlines():
            sheet.append([_cell(c) for c in line.split(" | ")])
        book.save(out)
    elif fact.suffix == "pdf":
        return _pdf(fact.title, fact.text)
    else:
        raise ValueError(f"no document format for {fact.where}")
    return out.getvalue()


def _cell(text: str) -> str | float:
    try:
        return float(text)
    except ValueError:
        return text


def _pdf(title: str, text: str) -> bytes:
    """A one-page PDF: the title, then the text in lines of at most ~80 characters (Helvetica, WinAnsi)."""
    lines, line = [title, ""], ""
    for word in text.split():
        if len(line) + len(word) > 80:
            lines.append(line)
            line = ""
        line = f"{line} {word}".strip()
    lines.append(line)
    shown = " ".join(f"({_pdf_escape(s)}) Tj T*" for s in lines)
    stream = f"BT /F1 12 Tf 14 TL 72 720 Td {shown} ET".encode("cp1252")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
