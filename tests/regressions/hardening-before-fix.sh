#!/usr/bin/env bash
# Runs the hardening regression tests (checkpoints, Fit, loaders, concurrent use) against the runtime
# as it was before the hardening fixes (commit 207ce9e), to show that each test fails without its fix.
# Usage: bash tests/regressions/hardening-before-fix.sh [scratch folder]   (about 10 minutes on 2 cores)
# The tests come from the commit that merged the fixes (a82d197). Six tests call API the fixes added
# (format-2 checksums and positions, FitReport.IgnoredLabels, Npz's maxBytes) and cannot compile
# there; they are left out, and one checkpoint helper saves without its new 'checksums' argument.
set -euo pipefail
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
scratch=${1:-$(mktemp -d)/before}
git -C "$repo" worktree add --detach "$scratch" 207ce9e >/dev/null
trap 'git -C "$repo" worktree remove --force "$scratch"' EXIT
cd "$scratch/tests/Dsl.Runtime.Tests"
for f in Checkpoints/CheckpointHardeningTests.cs Checkpoints/RestoreRaceTests.cs Training/TrainerHardeningTests.cs \
         Training/ConcurrentUseTests.cs Data/LoaderHardeningTests.cs; do
  git -C "$repo" show "a82d197:tests/Dsl.Runtime.Tests/$f" > "$f"
done
python3 - <<'PY'
def remove(path, names):
    s = open(path).read()
    for n in names:
        i = s.index(' ' + n + '(')
        start = s.rfind('\n\n', 0, i) + 1
        k = s.index('\n    {', i); depth = 0
        while True:
            depth += {'{': 1, '}': -1}.get(s[k], 0)
            if s[k] == '}' and depth == 0: break
            k += 1
        s = s[:start] + s[k + 1:]
    open(path, 'w').write(s)
p = 'Checkpoints/CheckpointHardeningTests.cs'
s = open(p).read().replace('SafeTensors.Save(path, tensors, metadata, checksums);', 'SafeTensors.Save(path, tensors, metadata);')
open(p, 'w').write(s)
remove(p, ['FormatOneAndUnversionedCheckpointsStillLoad', 'WorldSizeAndRandomStateRoundTrip', 'AMalformedRandomStateIsRefused', 'Crc32CMatchesTheStandardCheckValue'])
remove('Training/TrainerHardeningTests.cs', ['IgnoredLabelsAreCountedInTheReport'])
remove('Data/LoaderHardeningTests.cs', ['NpzDeclaredSizesAreCheckedAgainstTheLimitBeforeDecompressing'])
PY
dotnet build -c Release 2>&1 | tail -2
status=0
for filter in "CheckpointHardeningTests|TrainerHardeningTests|LoaderHardeningTests" RestoreRaceTests ConcurrentUseTests; do
  echo "== $filter (expected: failures; ConcurrentUseTests: the test host crashes)"
  dotnet test -c Release --no-build --filter "FullyQualifiedName~${filter//|/|FullyQualifiedName~}" 2>&1 \
    | grep -E "^\s+Failed |Error Message|Actual:|Passed!|Failed!|crashed" -A1 | grep -vE "^--$" || true
done
