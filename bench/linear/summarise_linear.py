"""summarise_linear.py: turn what bench_linear, bench_linear.py and
bench_linear.R printed and wrote into run_linear.sh's table.

    /usr/bin/python3 bench/linear/summarise_linear.py RAW_FILE OUT_DIR

RAW_FILE holds the timing lines "TOOL case=CASE threads=T run=R seconds=S"
(run=0, a warm-up, is left out), and "grafo case=CASE failed: ..." lines
for cases grafo could not run; anything else is ignored.  OUT_DIR holds
each tool's last result, <case>.<tool>.txt, as "key value value ..." lines
(coef, se, lambda, path, cvm, lambda_min, ...); the table's last column
compares each peer's numbers with grafo's, or, where grafo did not run,
with R's, so the timings are seen to be of the same answer.
"""

import os
import statistics
import sys

# Case, what it is, its peers in the order shown, and the headline peers:
# for R and for scikit-learn, the one that computes what grafo computes (R's
# summaries, not the bare fitters) or, for the logistic regression, the one
# that reaches the same answer (see bench_linear.py on lbfgs).
CASES = [
    ("ols", "OLS 200000 x 100 with summary(lm)'s statistics",
     ["summary(lm)", "lm.fit", "sklearn"], ["summary(lm)", "sklearn"]),
    ("path", "lasso path, the same 100 lambdas for all, 200000 x 100",
     ["glmnet", "sklearn", "sklearn+scale"], ["glmnet", "sklearn"]),
    ("path_auto", "lasso path, defaults (glmnet's grid and early stop)",
     ["glmnet"], ["glmnet"]),
    ("cv", "10-fold CV lasso (same folds), 200000 x 100", ["cv.glmnet"], ["cv.glmnet"]),
    ("logit", "logistic regression 100000 x 50 with Wald statistics",
     ["summary(glm)", "glm.fit", "sklearn-newton", "sklearn"], ["summary(glm)", "sklearn-newton"]),
]
# Whose numbers a peer's are checked against when grafo has none.
R_REFERENCE = {"ols": "summary(lm)", "path": "glmnet", "path_auto": "glmnet",
               "cv": "cv.glmnet", "logit": "summary(glm)"}


def parse_times(path):
    """{case: {tool: [seconds, ...]}} over the timed runs, and {case: why}
    for the cases grafo failed on ("grafo case=CASE failed: why" lines)."""
    times, failed = {}, {}
    with open(path) as f:
        for line in f:
            words = line.split()
            if len(words) >= 3 and words[0] == "grafo" and words[2] == "failed:":
                failed[words[1].split("=", 1)[1]] = " ".join(words[2:])
                continue
            if len(words) < 4 or not words[1].startswith("case="):
                continue
            fields = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            if fields.get("run") == "0" or "seconds" not in fields:
                continue
            times.setdefault(fields["case"], {}).setdefault(words[0], []).append(
                float(fields["seconds"]))
    return times, failed


def read_result(out_dir, case, tool):
    """{key: [row, ...]} with each row a list of floats, or None if absent."""
    path = os.path.join(out_dir, f"{case}.{tool}.txt")
    if not os.path.exists(path):
        return None
    result = {}
    with open(path) as f:
        for line in f:
            words = line.split()
            if words:
                result.setdefault(words[0], []).append([float(v) for v in words[1:]])
    return result


def max_rel(a, b):
    """Largest |a - b| / |b| over entries of b that are not (near) zero."""
    top = max(abs(v) for v in b)
    pairs = [(x, y) for x, y in zip(a, b) if abs(y) > 1e-8 * top]
    return max(abs(x - y) / abs(y) for x, y in pairs) if pairs else 0.0


def max_abs(a, b):
    return max(abs(x - y) for x, y in zip(a, b))


def agreement(case, mine, ref):
    """One line saying how far a peer's numbers are from the reference's."""
    if mine is None or ref is None:
        return "no numbers to compare"
    parts = []
    if "coef" in mine and "coef" in ref:
        a, b = mine["coef"][0], ref["coef"][0]
        parts.append(f"coef max|d| {max_abs(a, b):.1e} rel {max_rel(a, b):.1e}")
    if "se" in mine and "se" in ref:
        parts.append(f"se rel {max_rel(mine['se'][0], ref['se'][0]):.1e}")
    if "path" in mine and "path" in ref:
        # Compare the lambdas both fitted (a path may stop early), matched
        # by value.
        la, lb = mine["lambda"][0], ref["lambda"][0]
        common = [(i, j) for i, x in enumerate(la) for j, y in enumerate(lb)
                  if abs(x - y) <= 1e-9 * abs(y)]
        if common:
            top = max(abs(v) for row in ref["path"] for v in row[1:])
            worst = max(max_abs(mine["path"][i][1:], ref["path"][j][1:]) for i, j in common)
            parts.append(f"{len(la)} vs {len(lb)} lambdas, {len(common)} shared: "
                         f"beta max|d| {worst:.1e} ({worst / top:.1e} of max|beta|)")
        else:
            parts.append(f"{len(la)} vs {len(lb)} lambdas, none shared")
    if "cvm" in mine and "cvm" in ref:
        n = min(len(mine["cvm"][0]), len(ref["cvm"][0]))
        parts.append(f"cvm rel {max_rel(mine['cvm'][0][:n], ref['cvm'][0][:n]):.1e}")
        for key in ("lambda_min", "lambda_1se"):
            if key in mine and key in ref:
                same = abs(mine[key][0][0] - ref[key][0][0]) <= 1e-9 * ref[key][0][0]
                parts.append(f"{key} {'same' if same else 'DIFFERS'}")
    return "; ".join(parts) if parts else "no numbers in common"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1].strip())
    times, failed = parse_times(sys.argv[1])
    out_dir = sys.argv[2]

    print("ratio = peer seconds / grafo seconds: above 1 means grafo is faster")
    head = (f"{'case / tool':<16} {'min s':>8} {'median':>8} | {'ratio min':>9} {'median':>7} | "
            f"agreement")
    print(head)
    print("-" * 110)
    headline = []
    for case, title, peers, headline_peers in CASES:
        by_tool = times.get(case)
        if not by_tool:
            continue
        print(f"{case}: {title}")
        grafo = by_tool.get("grafo")
        ref_tool = "grafo" if grafo else R_REFERENCE[case]
        ref = read_result(out_dir, case, ref_tool)
        if grafo:
            print(f"  {'grafo':<14} {min(grafo):>8.3f} {statistics.median(grafo):>8.3f} |"
                  f" {'':>9} {'':>7} |")
        else:
            why = failed.get(case, "no timings")
            print(f"  {'grafo':<14} {why}; peers compared with {ref_tool}")
        for tool in peers:
            t = by_tool.get(tool)
            if not t:
                continue
            tmin, tmed = min(t), statistics.median(t)
            if grafo:
                rmin, rmed = tmin / min(grafo), tmed / statistics.median(grafo)
                ratios = f"{rmin:>9.2f} {rmed:>7.2f}"
                if tool in headline_peers:
                    headline.append((case, tool, rmin, rmed))
            else:
                ratios = f"{'-':>9} {'-':>7}"
            if tool == ref_tool:
                agree = "(reference for the others)"
            else:
                agree = f"vs {ref_tool}: " + agreement(case, read_result(out_dir, case, tool), ref)
            print(f"  {tool:<14} {tmin:>8.3f} {tmed:>8.3f} | {ratios} | {agree}")
    print()
    if headline:
        print("Headline ratios (the peers computing what grafo computes):")
        for case, tool, rmin, rmed in headline:
            verdict = "grafo faster" if rmed > 1 else "grafo SLOWER"
            print(f"  {case:<10} {tool:<14} min {rmin:5.2f}  median {rmed:5.2f}  {verdict}")
        print()
    print("Raw seconds per timed run:")
    for case, _, peers, _ in CASES:
        for tool in ["grafo"] + peers:
            t = times.get(case, {}).get(tool)
            if t:
                print(f"  {case:<10} {tool:<14} " + " ".join(f"{s:.3f}" for s in t))


if __name__ == "__main__":
    main()
