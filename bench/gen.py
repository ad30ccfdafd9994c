"""Deterministic synthetic data in the shape of the project's own data, for benchmarks.

Usage::

    python bench/gen.py SCALE OUTDIR [--seed N]

``SCALE`` is the number of asserted data triples wanted, with a k/M suffix allowed (``10k``,
``100k``, ``1M``, ``5M``); the generator stops within a few hundred triples of it. ``OUTDIR``
receives, like ``data/``:

* ``sources.trig``: the fictitious source document (file name, SHA-256, length) and one profile
  per country, in the graph named after the document;
* ``country-XX.trig``: one file per country profile, one named graph per passage; each passage
  describes itself (document, profile, character span) in its own graph;
* ``documents/synthetic-<scale>.txt``: the fictitious document the spans point into, so that its
  hash and length can be checked like the real one's;
* ``params.json``: a value for every parameter of every canned query, naming generated entities
  (so the benchmark never relies on the real data's defaults: EuroDIG, Serbia …);
* ``manifest.json``: scale, seed, triple and graph counts.

What is in it: countries under two-letter codes (``id:AA`` … ``id:ZZ``: the shapes require
``/id/[A-Z]{2}``, so there are at most 676 of them — most are not real ISO codes, some are;
none of them is labelled like a real country), their borders (each border stated once, on one
side, so that symmetric inference has work to do), ministries and CERTs, a national IGF,
strategies with type, topics, period, adoption date, objectives, strategic areas, the managing
ministry and a target with a quantity, forums and international organisations with
participations and memberships. Volume grows with more strategies and participations per
country once the 676 codes are used.

Every triple is stated in exactly one graph (pyoxigraph 0.5's union default graph is a bag,
oxigraph#1919), and every literal is in canonical form (Oxigraph stores literals by value:
``"05"^^xsd:integer`` would come back as ``"5"``), so the data round-trips byte for byte.
The same scale and seed always give the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

BASE = "https://w3id.org/digital-policy-kg/"
PREFIXES = {
    "id": BASE + "id/",
    "kg": BASE + "ontology#",
    "psg": BASE + "passage/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "src": BASE + "source/",
    "voc": BASE + "vocab/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
HEADER = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items())

# Concepts of ontology/vocab.ttl the generated facts use.
TOPICS = [
    "ai",
    "cybersecurity",
    "cyber-resilience",
    "digital-skills",
    "broadband",
    "digital-connectivity",
    "digital-infrastructure",
    "e-government",
    "internet-governance",
    "digital-policy",
    "innovation",
    "data-protection",
    "digital-transformation",
    "digital-economy",
    "telecommunications",
]
STRATEGY_TYPES = {
    "ai": "ai",
    "cybersecurity": "cybersecurity",
    "digital-skills": "digital-skills",
    "broadband": "broadband",
    "e-government": "e-government",
}
QUANTITY_KINDS = [
    ("kind-internet-bandwidth", "unit-megabit-per-second"),
    ("kind-digital-economy-value", "unit-euro"),
    ("kind-urban-population-share", "unit-percent"),
]
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PASSAGE_LENGTH = 96  # characters per passage in the fictitious document
MAX_COUNTRIES = 26 * 26


def parse_scale(text: str) -> int:
    """``10k`` → 10000, ``1M`` → 1000000, ``2500`` → 2500."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmM]?)\s*", text)
    if not m:
        raise ValueError(f"scale {text!r}: expected a number with an optional k or M suffix")
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[m.group(2).lower()]
    return int(float(m.group(1)) * factor)


def scale_name(n: int) -> str:
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def _lit(text: str) -> str:
    """An English plain literal in Turtle (the generated labels need no escapes but quotes)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"@en'


def _year(y: int) -> str:
    return f'"{y}"^^xsd:gYear'


def _int(n: int) -> str:
    return str(n)  # a bare integer is xsd:integer, canonical


@dataclass
class Passage:
    """One passage: its graph, its span and the statements it holds (subject → [(p, o)])."""

    name: str
    profile: str
    start: int
    end: int
    statements: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def add(self, subject: str, predicate: str, obj: str) -> None:
        self.statements.setdefault(subject, []).append((predicate, obj))

    def triples(self) -> int:
        return 5 + sum(len(v) for v in self.statements.values())

    def trig(self, document: str) -> str:
        lines = [
            f"{self.name} {{",
            f"    {self.name} a kg:Passage ;",
            f"        kg:inDocument {document} ;",
            f"        kg:inProfile {self.profile} ;",
            f"        kg:startOffset {self.start} ;",
            f"        kg:endOffset {self.end} .",
        ]
        for subject, pairs in self.statements.items():
            body = " ;\n        ".join(f"{p} {o}" for p, o in pairs)
            lines.append(f"    {subject} {body} .")
        lines.append("}\n")
        return "\n".join(lines)


class Generator:
    """Builds the passages of every profile, keeping count of triples and of the text."""

    def __init__(self, scale: int, seed: int) -> None:
        self.scale = scale
        self.rng = random.Random(seed)
        self.seed = seed
        self.name = scale_name(scale)
        slug = re.sub(r"[^a-z0-9]+", "-", self.name.lower())
        self.document = f"src:doc-synthetic-{slug}"
        self.file_name = f"synthetic-{slug}.txt"
        n = max(8, min(MAX_COUNTRIES, scale // 1500))
        self.codes = [a + b for a in LETTERS for b in LETTERS][:n]
        self.text_parts: list[str] = []
        self.offset = 0
        self.triples = 0
        self.passages: dict[str, list[Passage]] = {code: [] for code in self.codes}
        self.profile_spans: dict[str, tuple[int, int]] = {}
        n_forums = max(4, len(self.codes) // 4)
        n_orgs = max(2, len(self.codes) // 16)
        self.forums = [f"id:synthetic-forum-{i + 1}" for i in range(n_forums)]
        self.orgs = [f"id:synthetic-organisation-{i + 1}" for i in range(n_orgs)]
        self.borders: dict[str, set[str]] = {}

    # -- text and passages ------------------------------------------------------------------

    def _passage(self, code: str, slug: str) -> Passage:
        start = self.offset
        body = f"[{code}] synthetic passage {slug}: fictitious facts for benchmarking only. "
        body = (body * (PASSAGE_LENGTH // len(body) + 1))[: PASSAGE_LENGTH - 1] + "\n"
        self.text_parts.append(body)
        self.offset += len(body)
        p = Passage(
            f"psg:{code.lower()}-{slug}",
            f"src:profile-{code.lower()}",
            start,
            start + len(body) - 1,
        )
        self.passages[code].append(p)
        return p

    def _close(self, p: Passage) -> None:
        self.triples += p.triples()

    # -- the facts --------------------------------------------------------------------------

    def country(self, i: int, code: str) -> None:
        rng = self.rng
        p = self._passage(code, "country")
        c = f"id:{code}"
        p.add(c, "a", "kg:Country")
        p.add(c, "rdfs:label", _lit(f"Synthland {code}"))
        p.add(c, "skos:altLabel", _lit(f"Republic of Synthland {code}"))
        # Borders with up to three of the following countries, stated on this side only.
        for step in sorted(rng.sample(range(1, 12), 3)):
            j = i + step
            if j < len(self.codes):
                self.borders.setdefault(code, set()).add(self.codes[j])
                self.borders.setdefault(self.codes[j], set()).add(code)
                prop = "kg:sharesLandBorderWith" if step % 4 else "kg:sharesMaritimeBorderWith"
                p.add(c, prop, f"id:{self.codes[j]}")
        self._close(p)

        p = self._passage(code, "institutions")
        ministry = f"id:{code.lower()}-ministry-of-digital-affairs"
        p.add(ministry, "a", "kg:Ministry")
        p.add(ministry, "rdfs:label", _lit(f"Ministry of Digital Affairs of Synthland {code}"))
        p.add(ministry, "kg:country", c)
        cert = f"id:{code.lower()}-cert"
        p.add(cert, "a", "kg:ResponseTeam")
        p.add(cert, "rdfs:label", _lit(f"CERT Synthland {code}"))
        p.add(cert, "skos:altLabel", _lit(f"CSIRT-{code}"))
        p.add(cert, "kg:country", c)
        p.add(cert, "kg:operatedBy", ministry)
        p.add(cert, "kg:focus", "voc:topic-cybersecurity")
        self._close(p)

        p = self._passage(code, "national-igf")
        igf = f"id:{code.lower()}-igf"
        p.add(igf, "a", "kg:NationalIGF")
        p.add(igf, "rdfs:label", _lit(f"Synthland {code} Internet Governance Forum"))
        p.add(igf, "skos:altLabel", _lit(f"IGF {code}"))
        p.add(igf, "kg:country", c)
        p.add(igf, "kg:topic", "voc:topic-internet-governance")
        self._close(p)

        p = self._passage(code, "digital-economy")
        sector = f"id:{code.lower()}-ict-sector"
        quantity = f"id:q-{code}-digital-economy"
        p.add(sector, "a", "kg:EconomicSector")
        p.add(sector, "rdfs:label", _lit(f"ICT sector of Synthland {code}"))
        p.add(sector, "kg:country", c)
        p.add(sector, "kg:hasQuantity", quantity)
        p.add(quantity, "a", "kg:Quantity")
        p.add(quantity, "kg:quantityKind", "voc:kind-digital-economy-value")
        p.add(quantity, "kg:value", f'"{rng.randrange(10**6, 10**9)}"^^xsd:decimal')
        p.add(quantity, "kg:unit", "voc:unit-euro")
        p.add(quantity, "kg:year", _year(rng.randrange(2015, 2031)))
        self._close(p)

    def shared(self, k: int, code: str) -> None:
        """Forums and organisations, each described in one passage of some profile."""
        for i in range(k, len(self.forums), len(self.codes)):
            p = self._passage(code, f"forum-{i + 1}")
            f = self.forums[i]
            p.add(f, "a", "kg:Forum")
            p.add(f, "rdfs:label", _lit(f"Synthetic Forum {i + 1}"))
            p.add(f, "kg:geographicScope", "voc:scope-regional")
            p.add(f, "kg:frequency", "voc:frequency-annual")
            p.add(f, "kg:topic", f"voc:topic-{self.rng.choice(TOPICS)}")
            self._close(p)
        for i in range(k, len(self.orgs), len(self.codes)):
            p = self._passage(code, f"organisation-{i + 1}")
            o = self.orgs[i]
            p.add(o, "a", "kg:InternationalOrganisation")
            p.add(o, "rdfs:label", _lit(f"Synthetic Organisation {i + 1}"))
            self._close(p)

    def strategy(self, code: str, n: int) -> None:
        rng = self.rng
        slug = f"{code.lower()}-strategy-{n}"
        s = f"id:{slug}"
        topic = rng.choice(TOPICS)
        kind = STRATEGY_TYPES.get(topic, rng.choice(list(STRATEGY_TYPES.values())))
        start = rng.randrange(2000, 2026)
        end = start + rng.randrange(1, 11)
        p = self._passage(code, f"strategy-{n}")
        p.add(s, "a", "kg:Strategy")
        p.add(s, "rdfs:label", _lit(f"Synthland {code} {topic.replace('-', ' ')} strategy {n}"))
        p.add(s, "kg:jurisdiction", f"id:{code}")
        p.add(s, "kg:strategyType", f"voc:strategy-type-{kind}")
        for t in sorted({topic, rng.choice(TOPICS)}):
            p.add(s, "kg:topic", f"voc:topic-{t}")
        p.add(s, "kg:startYear", _year(start))
        p.add(s, "kg:endYear", _year(end))
        p.add(s, "kg:adoptionDate", _year(start))
        p.add(s, "kg:managedBy", f"id:{code.lower()}-ministry-of-digital-affairs")
        for j in range(1, 4):
            o = f"id:{slug}-objective-{j}"
            p.add(s, "kg:hasObjective", o)
            p.add(o, "a", "kg:Objective")
            p.add(o, "rdfs:label", _lit(f"Objective {j} of {code} strategy {n}"))
        for j in range(1, 3):
            a = f"id:{slug}-area-{j}"
            p.add(s, "kg:hasStrategicArea", a)
            p.add(a, "a", "kg:StrategicArea")
            p.add(a, "rdfs:label", _lit(f"Area {j} of {code} strategy {n}"))
        target = f"id:{slug}-target"
        quantity = f"id:q-{slug}-target"
        kind_q, unit = rng.choice(QUANTITY_KINDS)
        p.add(s, "kg:hasTarget", target)
        p.add(target, "a", "kg:Target")
        p.add(target, "rdfs:label", _lit(f"Target of {code} strategy {n}"))
        p.add(target, "kg:targetYear", _year(end))
        p.add(target, "kg:hasQuantity", quantity)
        p.add(quantity, "a", "kg:Quantity")
        p.add(quantity, "kg:quantityKind", f"voc:{kind_q}")
        p.add(quantity, "kg:value", f'"{rng.randrange(1, 1000)}"^^xsd:decimal')
        p.add(quantity, "kg:unit", f"voc:{unit}")
        p.add(quantity, "kg:year", _year(end))
        self._close(p)

    def affiliation(self, code: str, n: int) -> None:
        rng = self.rng
        p = self._passage(code, f"affiliation-{n}")
        if n % 3 == 2:
            org = self.orgs[(n // 3 + self.codes.index(code)) % len(self.orgs)]
            a = f"id:aff-{code}-{org.split(':')[1]}"
            p.add(a, "a", "kg:Membership")
            p.add(a, "kg:affiliationRole", "voc:role-member")
        else:
            org = self.forums[(n + self.codes.index(code) * 7) % len(self.forums)]
            a = f"id:aff-{code}-{org.split(':')[1]}"
            p.add(a, "a", "kg:Participation")
            role = rng.choice(["voc:role-participant", "voc:role-national-stakeholders"])
            p.add(a, "kg:affiliationRole", role)
        p.add(a, "kg:affiliate", f"id:{code}")
        p.add(a, "kg:affiliatedWith", org)
        self._close(p)

    def run(self) -> None:
        # Per country: the fixed facts, then strategies and affiliations up to its budget.
        n = len(self.codes)
        overhead = 6 + 6 * n  # the document and profile descriptions
        budget = (self.scale - overhead) / n
        affiliations_possible = len(self.forums) + len(self.orgs)
        for i, code in enumerate(self.codes):
            start = self.offset
            self.country(i, code)
            self.shared(i, code)
            target = overhead + (i + 1) * budget
            s = a = 0
            seen_orgs: set[str] = set()
            while self.triples + 15 < target:
                if a < affiliations_possible and (a * 4 < s or s >= 200):
                    key = self._affiliation_key(code, a)
                    a += 1
                    if key in seen_orgs:
                        continue
                    seen_orgs.add(key)
                    self.affiliation(code, a - 1)
                else:
                    s += 1
                    self.strategy(code, s)
            self.profile_spans[code] = (start, self.offset - 1)
            self.text_parts.append("\n")
            self.offset += 1

    def _affiliation_key(self, code: str, n: int) -> str:
        if n % 3 == 2:
            return self.orgs[(n // 3 + self.codes.index(code)) % len(self.orgs)]
        return self.forums[(n + self.codes.index(code) * 7) % len(self.forums)]

    # -- output -----------------------------------------------------------------------------

    def write(self, out: Path) -> dict:
        out.mkdir(parents=True, exist_ok=True)
        docs = out / "documents"
        docs.mkdir(exist_ok=True)
        text = "".join(self.text_parts)
        raw = text.encode("utf-8")
        (docs / self.file_name).write_bytes(raw)
        sha = hashlib.sha256(raw).hexdigest()
        for stale in out.glob("country-*.trig"):
            stale.unlink()
        lines = [HEADER, f"{self.document} {{"]
        lines.append(f"    {self.document} a kg:SourceDocument ;")
        lines.append(f"        rdfs:label {_lit(f'Synthetic country profiles ({self.name})')} ;")
        lines.append(f'        kg:fileName "{self.file_name}" ;')
        lines.append(f'        kg:sha256 "{sha}" ;')
        lines.append(f"        kg:characterCount {len(text)} .")
        for code in self.codes:
            start, end = self.profile_spans[code]
            lines.append(f"    src:profile-{code.lower()} a kg:Profile ;")
            lines.append(f"        rdfs:label {_lit(f'Synthland {code} profile')} ;")
            lines.append(f"        kg:profileOf id:{code} ;")
            lines.append(f"        kg:inDocument {self.document} ;")
            lines.append(f"        kg:startOffset {start} ;")
            lines.append(f"        kg:endOffset {end} .")
        lines.append("}\n")
        (out / "sources.trig").write_text("\n".join(lines), encoding="utf-8")
        graphs = 1
        for code in self.codes:
            body = [HEADER]
            body.extend(p.trig(self.document) for p in self.passages[code])
            graphs += len(self.passages[code])
            (out / f"country-{code}.trig").write_text("\n".join(body), encoding="utf-8")
        total = self.triples + 5 + 6 * len(self.codes)
        busiest = self.codes[0]
        # a country with neighbours on both sides: one stated by itself, one by the other
        bordered = next(
            (
                c
                for c in self.codes
                if any(n < c for n in self.borders.get(c, ()))
                and any(n > c for n in self.borders.get(c, ()))
            ),
            self.codes[-1],
        )
        params = {
            "list-initiatives-by-country": {"country": f"id:{busiest}"},
            "list-members-by-organisation": {"organisation": self.orgs[0]},
            "list-neighbours-by-country": {"country": f"id:{bordered}"},
            "list-objectives-by-strategy": {"strategy": f"id:{busiest.lower()}-strategy-1"},
            "list-participants-by-forum": {"forum": self.forums[0]},
            "list-response-teams-by-country": {"country": f"id:{busiest}"},
            "list-sources-by-resource": {"resource": f"id:{busiest}"},
            "list-strategies-by-country": {"country": f"id:{busiest}"},
            "list-strategies-by-topic": {"topic": "voc:topic-cybersecurity"},
            "list-strategies-in-force-by-year": {"year": "2021"},
        }
        (out / "params.json").write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")
        manifest = {
            "scale": self.name,
            "seed": self.seed,
            "triples": total,
            "graphs": graphs,
            "countries": len(self.codes),
            "document": {"file": f"documents/{self.file_name}", "sha256": sha, "length": len(text)},
        }
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return manifest


def generate(scale: int | str, out: Path | str, seed: int = 1) -> dict:
    """Write the synthetic dataset of about ``scale`` triples to ``out``; return its manifest."""
    n = parse_scale(scale) if isinstance(scale, str) else int(scale)
    if n < 1000:
        raise ValueError("scale must be at least 1k triples")
    gen = Generator(n, seed)
    gen.run()
    return gen.write(Path(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scale", help="triples wanted: 10k, 100k, 1M, 5M …")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    try:
        manifest = generate(args.scale, args.outdir, args.seed)
    except ValueError as error:
        print(f"gen.py: {error}", file=sys.stderr)
        return 2
    print(json.dumps(manifest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
