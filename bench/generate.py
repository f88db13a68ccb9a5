# ruff: noqa: E501 - the Turtle templates read best on one line per statement
"""A seeded generator of synthetic EAEU-like graphs that conform to the project's shapes.

The synthetic facts sit beside the article graph (so the stored questions still have answers):
invented states and unions, memberships with dates, agreements with parties, commission
meetings, trade observations by year, flow and product, migration events, each fact with a
source of its own. Same seed and size, same bytes.

    python bench/generate.py --triples 100000 -o bench/data/100k.ttl
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

PREFIXES = """@prefix kzby: <https://w3id.org/kzby-kg/ontology#> .
@prefix kzd: <https://w3id.org/kzby-kg/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix bibo: <http://purl.org/ontology/bibo/> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix sdmx-code: <http://purl.org/linked-data/sdmx/2009/code#> .
@prefix wd: <http://www.wikidata.org/entity/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
"""

GOODS = [
    "ferrous-metallurgy",
    "nonferrous-metallurgy",
    "lead-batteries",
    "hides",
    "oil",
    "grain",
    "flour",
    "cereals",
    "wheeled-tractors",
    "forage-harvesters",
    "trucks",
    "household-appliances",
    "consumer-goods",
    "food",
]
CAUSES = [
    "political-exile",
    "agrarian-resettlement",
    "political-repression",
    "wartime-evacuation",
    "military-service-and-work",
    "cause-unstated",
]
REAL_STATES = ["kazakhstan", "belarus", "russia", "armenia", "kyrgyzstan"]
TRIPLES_PER_UNIT = 70  # about what one pass of the loop below writes


def _state(i: int) -> str:
    return f"""kzd:bench-state-{i} a kzby:SovereignState ;
    rdfs:label "Benchland {i}"@en , "Бенчленд {i}"@ru , "Бенчленд {i}"@kk ;
    skos:exactMatch wd:Q{900000000 + i} .
"""


def _source(name: str, year: int) -> str:
    return f"""kzd:bench-src-{name} a bibo:Document ; rdfs:label "Synthetic source {name}"@en ;
    dcterms:issued "{year}"^^xsd:gYear .
"""


def generate(triples: int, seed: int = 2020) -> str:
    """Turtle for about ``triples`` synthetic triples (plus prefixes), deterministic for a seed."""
    rng = random.Random(seed)
    units = max(1, triples // TRIPLES_PER_UNIT)
    states = max(10, units // 20)
    unions = max(3, units // 200)
    out = [PREFIXES]
    for i in range(states):
        out.append(_state(i))
    for u in range(unions):
        out.append(f"""kzd:bench-union-{u} a kzby:IntegrationUnion ;
    rdfs:label "Benchunion {u}"@en , "Бенчсоюз {u}"@ru , "Бенчодақ {u}"@kk ;
    kzby:abbreviation "BU{u}"@en ;
    skos:exactMatch wd:Q{800000000 + u} .
""")
    state_names = [f"bench-state-{i}" for i in range(states)] + REAL_STATES
    for n in range(units):
        year = 1992 + rng.randrange(30)
        a, b = rng.sample(state_names, 2)
        union = f"bench-union-{rng.randrange(unions)}"
        src = f"{n}"
        out.append(_source(src, year + 1))
        start = f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        end = f"{year + 1 + rng.randrange(10)}"
        out.append(f"""kzd:bench-membership-{n} a org:Membership ;
    org:member kzd:{a} ; org:organization kzd:{union} ; org:role kzd:status-member ;
    org:memberDuring [ a time:Interval ; time:hasBeginning [ a time:Instant ; time:inXSDDate "{start}"^^xsd:date ] ;
                                         time:hasEnd [ a time:Instant ; time:inXSDgYear "{end}"^^xsd:gYear ] ] ;
    kzby:startRule kzd:rule-entry-into-force ;
    dcterms:source kzd:bench-src-{src} .
kzd:bench-trade-{n} a qb:DataSet ; qb:structure kzd:dsd-trade ;
    rdfs:label "Synthetic trade table {n}"@en ;
    dcterms:source kzd:bench-src-{src} .
kzd:bench-agreement-{n} a kzby:Agreement ;
    rdfs:label "Synthetic agreement {n}"@en , "Соглашение {n}"@ru , "Келісім {n}"@kk ;
    kzby:party kzd:{a} , kzd:{b} ; kzby:signatureDate "{start}"^^xsd:date ;
    dcterms:subject kzd:subject-economic-cooperation ;
    dcterms:source kzd:bench-src-{src} .
kzd:bench-meeting-{n} a kzby:CommissionMeeting ;
    rdfs:label "Synthetic meeting {n}"@en ;
    kzby:ofCommission kzd:commission ; kzby:ordinal {n + 100} ;
    dcterms:date "{start}"^^xsd:date ; kzby:place kzd:{rng.choice(["minsk", "astana", "gomel", "almaty"])} ;
    dcterms:source kzd:bench-src-{src} .
""")
        for flow in ("export", "import"):
            goods = rng.choice(GOODS)
            out.append(f"""kzd:bench-obs-{n}-{flow} a qb:Observation ; qb:dataSet kzd:bench-trade-{n} ;
    rdfs:label "Synthetic trade {n} {flow}"@en ;
    kzby:refPeriod "{year}"^^xsd:gYear ; kzby:reporter kzd:{a} ; kzby:partner kzd:{b} ;
    kzby:flow kzd:flow-{flow} ; kzby:goods kzd:goods-{goods} ;
    kzby:tradeValue {rng.uniform(1, 900):.1f} ; kzby:sharePercent {rng.uniform(0, 5):.2f} ;
    sdmx-attribute:unitMeasure kzd:unit-usd ; sdmx-attribute:unitMult sdmx-code:unitMult-6 ; kzby:stockOrFlow kzd:sto-flow ;
    dcterms:source kzd:bench-src-{src} .
""")
        cause = rng.choice(CAUSES)
        cause = cause if cause.startswith("cause-") else f"cause-{cause}"
        out.append(f"""kzd:bench-migration-{n} a kzby:MigrationEvent ;
    rdfs:label "Synthetic migration {n}"@en ;
    kzby:origin kzd:{a} ; kzby:destination kzd:{b} ;
    kzby:period [ a time:Interval ; time:hasBeginning [ a time:Instant ; time:inXSDgYear "{year}"^^xsd:gYear ] ] ;
    kzby:cause kzd:{cause} ; kzby:numberOfPeople {rng.randrange(1, 5000)}.0 ; sdmx-attribute:unitMeasure kzd:unit-person ; sdmx-attribute:unitMult sdmx-code:unitMult-0 ;
    dcterms:source kzd:bench-src-{src} .
""")
    return "".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, required=True)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(generate(args.triples, args.seed), encoding="utf-8")


if __name__ == "__main__":
    main()
