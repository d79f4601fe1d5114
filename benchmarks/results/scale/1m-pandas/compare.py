"""Compare the figures of two runs' JSON (scale_run's or pandas1m's): counts, estimates, intervals, p-values."""
import json, sys, math
a = json.load(open(sys.argv[1]))["figures"]; b = json.load(open(sys.argv[2]))["figures"]
key = lambda f: (f["id"], str(f.get("group")), str(f.get("source")), str(f.get("label")))
A = {}; B = {}
for f in a: A.setdefault(key(f), []).append(f)
for f in b: B.setdefault(key(f), []).append(f)
print(len(a), len(b), "rows;", len(set(A) ^ set(B)), "keys in one only")
for k in list(set(A) ^ set(B))[:10]: print("  only", "A" if k in A else "B", k)
bad = {}
for k in set(A) & set(B):
    for x, y in zip(A[k], B[k]):
        for c in ("estimate", "ci_low", "ci_high", "n", "p_value"):
            u, v = x.get(c), y.get(c)
            if isinstance(u, (int, float)) and isinstance(v, (int, float)) and not (math.isnan(u) and math.isnan(v)):
                if abs(u - v) > 1e-9 * max(1, abs(u), abs(v)):
                    bad.setdefault(c, []).append((k, u, v))
            elif (u is None) != (v is None):
                bad.setdefault(c, []).append((k, u, v))
for c, rows in bad.items():
    print(c, len(rows), "differ; e.g.")
    for r in rows[:6]: print("   ", r[0][0], r[0][1], r[1], r[2])
print("notes equal:", json.load(open(sys.argv[1])).get("notes") == json.load(open(sys.argv[2])).get("notes"))
