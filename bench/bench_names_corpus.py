"""Match quality on names nobody here wrote: the nomenklatura person pairs in ../shared/corpora.

Each labelled pair becomes one subject on file (name1) and one presented traveler (name2), with
the same date of birth on both sides, so the figure is about names alone. A name is split as a
passport writes it: the last word the family name, the rest the given names. Prints precision and
recall overall and per quality tier (STRONG: the pairs nomenklatura says a matcher must get
right), and, in the same run, nomenklatura's logic-v2 at 0.7 when a Python with nomenklatura is
given (--nomenklatura-python; `pip install nomenklatura==4.17.4` in a venv of its own). logic-v2 is
given the names only: with an equal birth date on both sides it scores every pair of this set above
0.7 (all 301 non-matches too). Names only, this run still scores every pair above 0.7 (precision
0.451, recall 1.000), which disagrees with the corpus README's published 0.706 / 0.769: the
README's configuration is not known here, so quote its figure beside ours, not this one.

Usage: .venv/bin/python bench/bench_names_corpus.py [--nomenklatura-python /tmp/nk-venv/bin/python]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

from lookout_ledger.core.crypto import Keyring
from lookout_ledger.core.policy.loader import load_policy
from lookout_ledger.screening.index import IndexedLookout, ScreeningIndex, Subject
from lookout_ledger.screening.matcher import DEFAULT_MIN_SCORE, Presented, match
from lookout_ledger.screening.names import name_key

CORPUS = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "names" / "nomenklatura-person-pairs.csv"
)
DOB = date(1970, 1, 1)
KEYRING = Keyring(keys={"k1": bytes(range(32))}, active="k1")

NK_SCRIPT = """
import json, sys
from followthemoney import model
from nomenklatura.matching import get_algorithm
algo = get_algorithm("logic-v2")
out = []
for a, b in json.load(sys.stdin):
    ea = model.make_entity("Person"); ea.id = "a"; ea.add("name", a)
    eb = model.make_entity("Person"); eb.id = "b"; eb.add("name", b)
    out.append(algo.compare(ea, eb, algo.default_config()).score)
json.dump(out, sys.stdout)
"""


def split(name: str) -> tuple[str, str]:
    words = name.split()
    return (" ".join(words[:-1]), words[-1]) if len(words) > 1 else ("", name)


def ours(a: str, b: str) -> bool:
    index = ScreeningIndex(KEYRING, load_policy())
    given, family = split(a)
    lookout = IndexedLookout("L-1", "P-1", "O-1", "refer_secondary")
    index.add_subject(Subject("P-1", (name_key(given, family),), DOB, frozenset(), (), (lookout,)))
    g2, f2 = split(b)
    return bool(match(index, Presented("t", g2, f2, DOB, None, ()), DEFAULT_MIN_SCORE))


def figures(rows: list[dict[str, str]], said: list[bool]) -> dict[str, tuple[float, float, str]]:
    tiers: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for r, s in zip(rows, said, strict=True):
        truth = r["is_match"].strip().lower() == "true"
        tiers["all"].append((truth, s))
        tiers[r["quality"] or "-"].append((truth, s))
    out = {}
    for tier, xs in tiers.items():
        tp = sum(1 for t, s in xs if t and s)
        fp = sum(1 for t, s in xs if not t and s)
        fn = sum(1 for t, s in xs if t and not s)
        p = tp / (tp + fp) if tp + fp else 1.0
        r_ = tp / (tp + fn) if tp + fn else 1.0
        out[tier] = (p, r_, f"{tp}/{tp + fn} matches found, {fp} false")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nomenklatura-python", default="")
    args = ap.parse_args()
    if not CORPUS.exists():
        print(f"no corpus at {CORPUS}")
        return
    with CORPUS.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["schema"] == "Person"]
    runs = {"lookout-ledger": [ours(r["name1"], r["name2"]) for r in rows]}
    if args.nomenklatura_python and Path(args.nomenklatura_python).exists():
        payload = json.dumps([[r["name1"], r["name2"]] for r in rows])
        done = subprocess.run(
            [args.nomenklatura_python, "-c", NK_SCRIPT], input=payload, capture_output=True, text=True, check=False
        )
        if done.returncode == 0:
            runs["nomenklatura logic-v2 0.7, names"] = [s >= 0.7 for s in json.loads(done.stdout)]
        else:
            print("nomenklatura failed:", done.stderr.strip().splitlines()[-1:], file=sys.stderr)
    print(f"{CORPUS.name}: {len(rows)} pairs, the same date of birth on both sides")
    for name, said in runs.items():
        for tier, (p, r, detail) in sorted(figures(rows, said).items()):
            print(f"  {name:28} {tier:7} precision {p:.3f} recall {r:.3f}  ({detail})")


if __name__ == "__main__":
    main()
