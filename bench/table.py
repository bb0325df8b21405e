#!/usr/bin/env python3
"""Prints the tables of bench/out/results.json: every side-by-side median, and every target of issue 7
with its measured figure and MET / MISSED. --markdown prints them as Markdown (for BENCHMARKS.md).

    python3 bench/table.py [--markdown] bench/out/results.json"""
import json
import sys


def fmt_rate(r):
    x = r.get('rate')
    if not x:
        return ''
    return f'{x / 1e6:.2f} M' if x >= 1e6 else f'{x / 1e3:.0f} k' if x >= 1e3 else f'{x:.0f}'


def rows_runs(res):
    runs = res['runs']
    out = []
    for r in runs:
        ours = next((o for o in runs if o['bench'] == r['bench'] and o['size'] == r['size'] and o['tool'] == 'sessionctl'),
                    None)
        ratio = ''
        if ours and r is not ours:
            ratio = f'{r["median_s"] / ours["median_s"]:.2f}x'
        med = r['median_s']
        out.append([r['bench'], f'{r["size"]:,}', r['tool'], f'{med * 1000:.1f} ms' if med < 1 else f'{med:.2f} s',
                    fmt_rate(r) + (f' {r["unit"]}' if r.get('rate') and r['unit'] != 'runs' else ''),
                    f'{r["rss_mb"]:.1f}', ratio, str(r.get('n_runs') or len(r['times_s'])), disk(r)])
    return ['bench', 'size', 'tool', 'median', 'throughput', 'peak RSS MB', 'ref/ours time', 'runs',
            'disk (per entry, per s)'], out


def disk(r):
    """The median disk reads and discards of a run, per entry and per second, where a run made
    them in earnest: reads on a cold tree (whether both tools did the same reads, and whether the
    disk set the pace), discards in a purge on a filesystem mounted with -o discard (one per freed
    block, each a disk round trip)."""
    d = r.get('disk')
    if not d or not r['size']:
        return ''
    out = []
    for k in ('reads', 'discards'):
        n = d.get(k, 0)
        if n >= r['size'] / 10:
            out.append(f'{n:,} {k} ({n / r["size"]:.1f}, {n / r["median_s"]:,.0f}/s)')
    return '; '.join(out)


def rows_targets(res):
    def result(t):
        if t.get('unmeasured'):
            return f'NOT MEASURED ({t["detail"]}; the figure is at the largest size measured)'
        return 'MET' if t['met'] else 'MISSED'
    out = [[t['id'], t['what'], t['target'], t['measured'], result(t)] for t in res['targets']]
    return ['#', 'what', 'target', 'measured', 'result'], out


def rows_go(res):
    g = res.get('gobench') or {}
    out = []
    for name, b in sorted(g.items()):
        rate = 1e9 / b['ns_op'] if b.get('ns_op') else 0
        out.append([name, f'{b["ns_op"]:.0f}', f'{rate / 1e6:.2f} M/s', f'{b["bytes_op"] or 0:g}', f'{b["allocs_op"] or 0:g}',
                    str(b['n'])])
    return ['benchmark', 'ns/op', 'per core', 'B/op', 'allocs/op', 'runs'], out


def text(head, rows):
    w = [max(len(x) for x in col) for col in zip(head, *rows)]
    line = lambda r: '  '.join(x.ljust(n) for x, n in zip(r, w)).rstrip()
    return '\n'.join([line(head), line(['-' * n for n in w])] + [line(r) for r in rows])


def markdown(head, rows):
    esc = lambda s: s.replace('|', '\\|')
    return '\n'.join(['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)] +
                     ['| ' + ' | '.join(esc(x) for x in r) + ' |' for r in rows])


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    md = '--markdown' in sys.argv
    res = json.load(open(args[0] if args else 'bench/out/results.json'))
    show = markdown if md else text
    m = res['machine']
    print(f'{res["mode"]} run {res["started"]}: {m["nproc"]} cpu {m["cpu"]}, kernel {m["kernel"]}, {m["go"]}; '
          f'load average before {res["load_before"][0]:.1f}, after {res.get("load_after", [0])[0]:.1f}')
    if res.get('sources'):
        by_run = {}
        for b, run in res['sources'].items():
            by_run.setdefault(run, []).append(b)
        for run, benches in by_run.items():
            print(f'from the {run}: ' + ', '.join(sorted(benches)))
    if m.get('damon'):
        paused = res.get('damon_paused_for')
        paused = ', '.join([paused] if isinstance(paused, str) else paused or [])
        print(f'host memory reclaim (DAMON): {m["damon"]}' + (f'; paused for {paused} (BENCH_PAUSE_DAMON=1)' if paused else ''))
    for n, times in sorted((res.get('warmup') or {}).items(), key=lambda kv: int(kv[0])):
        print(f'warm-up walks of the {int(n):,}-session tree before list-warm: ' + ', '.join(f'{t:.2f} s' for t in times))
    print()
    for title, (head, rows) in (('Targets (issue 7)', rows_targets(res)), ('Side by side (medians)', rows_runs(res)),
                                ('Go benchmarks, ./pkg/transform/ (medians of -count runs)', rows_go(res))):
        if rows:
            print(('### ' if md else '') + title)
            print()
            print(show(head, rows))
            print()
    for n in res.get('notes', []):
        print(('- ' if md else 'note: ') + n)


if __name__ == '__main__':
    main()
