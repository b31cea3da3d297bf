#!/bin/bash
# Checkout CPU per order and verification against the framework's floor, the code at a given
# commit against the working tree, interleaved round by round with the same benchmark scripts
# and the same virtual environment (docs/benchmarks.md, "Before and after the architecture
# step"). The old code is a detached worktree; the compiled kernel is copied when its source
# is unchanged (otherwise the old engine takes its reference path).
#
#   benchmarks/before_after.sh COMMIT [ROUNDS]     (PostgreSQL from RINGFENCE_TEST_DATABASE_URL)
set -euo pipefail
commit=${1:?usage: benchmarks/before_after.sh COMMIT [ROUNDS]}
rounds=${2:-5}
root=$(git rev-parse --show-toplevel)
pg=${RINGFENCE_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
old=$(mktemp -d)/old
git -C "$root" worktree add -q --detach "$old" "$commit"
trap 'git -C "$root" worktree remove --force "$old"' EXIT
if git -C "$root" diff --quiet "$commit" -- src/ringfence/screening/_kernel.pyx; then
    cp "$root"/src/ringfence/screening/_kernel*.so "$old/src/ringfence/screening/" 2>/dev/null || true
fi
run() {  # side, script, args...
    local side=$1 script=$2; shift 2
    PYTHONPATH="$side/src:$root/benchmarks:$root" "$root/.venv/bin/python" \
        "$root/benchmarks/$script" --postgres "$pg" --no-write "$@"
}
for r in $(seq "$rounds"); do
    for side in "$old" "$root"; do
        name=$([ "$side" = "$root" ] && echo "now" || echo "$commit")
        echo "== round $r, $name, load $(cut -d' ' -f1 /proc/loadavg)"
        run "$side" checkout.py --seconds 8 --workers 1 | grep "CPU per checkout"
        run "$side" verify.py --issue 100000 --http-seconds 8 | grep "verifications/s"
    done
done
