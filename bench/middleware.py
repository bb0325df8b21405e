#!/usr/bin/env python3
"""bench/middleware.py GOBENCH.txt HTTPLOAD.json [--baseline BASE.txt] [--json OUT] [--markdown]

Medians of `go test -bench` output for BenchmarkCompare and BenchmarkMiddleware
(pkg/sessions), the ratios of sessionctl against each peer (gorilla, scs), the
requests/s of bench/httpload, and the targets of issue 19: sessionctl's ns/op at
most 0.12x of every peer's for the same operation, at most 25 allocations for a
read + write request."""
import json
import re
import statistics
import sys

LINE = re.compile(r"^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+(.*)$")
METRIC = re.compile(r"([\d.]+) (\S+)")
UNITS = {"ns/op": "ns", "cpu-ns/op": "cpu", "B/op": "bytes", "allocs/op": "allocs"}
OURS = ["sessionctl-value", "sessionctl-id"]
PEERS = ["gorilla", "scs"]
TARGET_RATIO = 0.12
TARGET_ALLOCS = 25


def parse(path):
    runs = {}
    for line in open(path):
        m = LINE.match(line)
        if not m:
            continue
        name = m.group(1)
        r = runs.setdefault(name, {"ns": [], "cpu": [], "bytes": [], "allocs": []})
        for value, unit in METRIC.findall(m.group(2)):
            if unit in UNITS:
                r[UNITS[unit]].append(float(value))
    med = {}
    for name, r in runs.items():
        med[name] = {k: (statistics.median(v) if v else None) for k, v in r.items()}
        med[name]["n"] = len(r["ns"])
    return med


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    markdown = "--markdown" in argv
    out = None
    if "--json" in argv:
        out = argv[argv.index("--json") + 1]
        args.remove(out)
    base = None
    if "--baseline" in argv:
        bpath = argv[argv.index("--baseline") + 1]
        args.remove(bpath)
        base = parse(bpath)
    if len(args) < 1:
        print(__doc__, file=sys.stderr)
        return 2
    gb = parse(args[0])
    load = json.load(open(args[1])) if len(args) > 1 else None
    rows, targets = [], []
    for op in ["read", "write"]:
        for lib in ["bare"] + OURS + PEERS:
            m = gb.get(f"Compare/{lib}/{op}")
            if not m:
                continue
            row = {"lib": lib, "op": op, "ns": m["ns"], "cpu": m["cpu"], "bytes": m["bytes"], "allocs": m["allocs"], "runs": m["n"]}
            for p in PEERS:
                pm = gb.get(f"Compare/{p}/{op}")
                if pm:
                    row["vs_" + p] = m["ns"] / pm["ns"]
                    if m["cpu"] and pm["cpu"]:
                        row["cpu_vs_" + p] = m["cpu"] / pm["cpu"]
            rows.append(row)
            if lib in OURS:
                for p in PEERS:
                    if "vs_" + p in row:
                        targets.append({"what": f"{lib} {op} ns/op <= {TARGET_RATIO}x {p}", "value": round(row["vs_" + p], 3),
                                        "met": row["vs_" + p] <= TARGET_RATIO})
                    if "cpu_vs_" + p in row:
                        targets.append({"what": f"(cpu) {lib} {op} cpu-ns/op <= {TARGET_RATIO}x {p}", "value": round(row["cpu_vs_" + p], 3),
                                        "met": row["cpu_vs_" + p] <= TARGET_RATIO})
                if op == "write":
                    targets.append({"what": f"{lib} read+write <= {TARGET_ALLOCS} allocs", "value": m["allocs"],
                                    "met": m["allocs"] is not None and m["allocs"] <= TARGET_ALLOCS})
    mw = [{"name": k[len("Middleware/"):], **v} for k, v in sorted(gb.items()) if k.startswith("Middleware/")]
    if "RotateOnRead" in gb:
        mw.append({"name": "rotate-on-read", **gb["RotateOnRead"]})
    before = []
    if base:
        for op in ["read", "write"]:
            for lib in OURS:
                b, a = base.get(f"Compare/{lib}/{op}"), gb.get(f"Compare/{lib}/{op}")
                if b and a:
                    before.append({"lib": lib, "op": op, "before": b, "after": a})
    if out:
        json.dump({"gobench": rows, "middleware": mw, "httpload": load, "targets": targets, "baseline": before}, open(out, "w"), indent=2)
    sep = "|" if markdown else " "

    def line(cells, widths):
        if markdown:
            return "| " + " | ".join(str(c) for c in cells) + " |"
        return " ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    def num(x, f="{:.0f}"):
        return f.format(x) if x is not None else "-"

    w = [24, 9, 8, 11, 11, 10, 8, 7]
    print(line(["go test -bench (median)", "ns/op", "vs gorilla", "vs scs", "cpu-ns/op", "cpu vs gorilla", "cpu vs scs", "B/op", "allocs"][:9],
               w + [6]))
    if markdown:
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(line([f"{r['lib']}/{r['op']}", num(r["ns"]), num(r.get("vs_gorilla"), "{:.3f}x"), num(r.get("vs_scs"), "{:.3f}x"),
                    num(r["cpu"]), num(r.get("cpu_vs_gorilla"), "{:.3f}x"), num(r.get("cpu_vs_scs"), "{:.3f}x"),
                    num(r["bytes"]), num(r["allocs"])], w + [6]))
    for m in mw:
        print(line([f"middleware/{m['name']}", num(m["ns"]), "", "", num(m["cpu"]), "", "", num(m["bytes"]), num(m["allocs"])], w + [6]))
    if before:
        print()
        w3 = [24, 11, 11, 9, 11, 11, 9, 8, 8]
        print(line(["before → after (median)", "ns before", "ns after", "x", "cpu before", "cpu after", "x", "allocs", "allocs"], w3))
        if markdown:
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for b in before:
            x, y = b["before"], b["after"]
            print(line([f"{b['lib']}/{b['op']}", num(x["ns"]), num(y["ns"]), num(y["ns"] / x["ns"], "{:.2f}x"),
                        num(x["cpu"]), num(y["cpu"]), num(y["cpu"] / x["cpu"] if x["cpu"] and y["cpu"] else None, "{:.2f}x"),
                        num(x["allocs"]), num(y["allocs"])], w3))
    if load:
        print()
        by = {(r["app"], r["op"]): r["req_per_s"] for r in load["results"]}
        print(f"loopback net/http server, {load['conns']} keep-alive clients, {load['duration']} or {load['max']} requests, "
              f"median of {load['rounds']} rounds")
        w2 = [24, 10, 11, 11]
        print(line(["httpload", "req/s", "vs gorilla", "vs scs"], w2))
        if markdown:
            print("|---|---:|---:|---:|")
        for r in load["results"]:
            print(line([f"{r['app']}/{r['op']}", f"{r['req_per_s']:.0f}", f"{r['req_per_s'] / by[('gorilla', r['op'])]:.2f}x",
                        f"{r['req_per_s'] / by[('scs', r['op'])]:.2f}x"], w2))
    print()
    for t in targets:
        print(("MET    " if t["met"] else "MISSED ") + f"{t['what']}: {t['value']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
