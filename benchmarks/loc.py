#!/usr/bin/env python3
"""Lines of code of each example program and of its PyTorch twin, counted the same way.

Counted: the non-blank, non-comment lines between the markers `loc: begin` and `loc: end` (in a
comment: `// loc: begin` in C#, `# loc: begin` in Python), which enclose the model, the loss and the
training call of each program, not data generation, plotting or command-line code. A file may have
several marked regions. A line that is only a comment (`//`, `///`, `#`) or only a brace or
bracket (`{`, `}`, `});`, `)`) is not counted in either language, so C#'s braces weigh like
Python's indentation.

    python3 benchmarks/loc.py           prints the table (markdown)
    python3 benchmarks/loc.py --check   also exits 1 when a program is over its allowed ratio
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (name, Dsl program, PyTorch twin, allowed ratio Dsl / PyTorch)
PAIRS = [
    ("quickstart (MLP)", "examples/Quickstart/Program.cs", "benchmarks/twins/quickstart.py", 1.3),
    ("cnn (LeNet + BatchNorm)", "examples/Cnn/Program.cs", "benchmarks/twins/cnn.py", 1.3),
    ("transformer (sorting)", "examples/Transformer/Program.cs", "benchmarks/twins/transformer.py", 1.3),
    ("sets (Cat, Reshape, axis sums)", "examples/Sets/Program.cs", "benchmarks/twins/sets.py", 1.3),
    ("schedulefree (Schedule-Free AdamW, cosine)", "examples/ScheduleFree/Program.cs", "benchmarks/twins/schedulefree.py", 1.3),
    ("chaosexpansion (Wiener chaos, GELU, axis norms)", "examples/ChaosExpansion/Program.cs", "benchmarks/twins/chaosexpansion.py", 1.3),
    ("hebbian (Hebbian couplings, Glauber dynamics)", "examples/HebbianMultitasking/Hebbian.cs", "benchmarks/twins/hebbian.py", 1.3),
    # ---- examples: Superposition, CompositionalNce ----
    ("superposition (tied ReLU autoencoder, draws in the loss)", "examples/Superposition/Program.cs", "benchmarks/twins/superposition.py", 1.3),
    ("compositionalnce (NCE and a compositional [Step])", "examples/CompositionalNce/Program.cs", "benchmarks/twins/compositionalnce.py", 1.3),
    ("grokfast (Grokfast-EMA around AdamW)", "examples/Grokfast/Program.cs", "benchmarks/twins/grokfast.py", 1.3),
    ("idempotent (IGN, frozen copy)", "examples/IdempotentGenerative/Program.cs", "benchmarks/twins/idempotent.py", 1.5),
    ("streamingparity (RNN, run-time loop)", "examples/StreamingParity/Program.cs", "benchmarks/twins/streamingparity.py", 1.5),
]

CLOSERS = re.compile(r"^[\s{}()\[\];,]*$")


def count(path):
    counted, inside, regions = 0, False, 0
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if re.match(r"^(//|#)\s*loc:\s*begin", line):
                inside, regions = True, regions + 1
                continue
            if re.match(r"^(//|#)\s*loc:\s*end", line):
                inside = False
                continue
            if not inside or not line or line.startswith("//") or line.startswith("#") or CLOSERS.match(line):
                continue
            counted += 1
    if regions == 0:
        raise SystemExit(f"{path}: no 'loc: begin' marker")
    return counted


def main():
    check = "--check" in sys.argv
    failed = False
    print("| program | Dsl lines | PyTorch lines | ratio | allowed |")
    print("|---|---|---|---|---|")
    for name, ours, theirs, allowed in PAIRS:
        if not os.path.exists(os.path.join(ROOT, ours)) or not os.path.exists(os.path.join(ROOT, theirs)):
            print(f"| {name} | missing | missing | | {allowed} |")
            failed = True
            continue
        a, b = count(ours), count(theirs)
        ratio = a / b
        failed |= ratio > allowed
        print(f"| {name} | {a} | {b} | {ratio:.2f} | ≤ {allowed} |")
    if check and failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
