#!/usr/bin/env python3
"""Draws throughput and peak RSS against input size from bench/out/results.json, as a PNG, with
gnuplot (installed from Debian's gnuplot-nox if missing; matplotlib is not on these machines).

    python3 bench/plot.py bench/out/results.json bench/out/throughput.png

Left: items per second (tokens, entries, removed sessions) against input size, ours solid, the
references dashed: flat lines mean cost grows linearly with the input. Right: peak RSS of every
sessionctl command against input size: flat lines mean memory does not grow with the input."""
import json
import os
import shutil
import subprocess
import sys
import tempfile


def gnuplot():
    if not shutil.which('gnuplot'):
        r = subprocess.run(['apt-get', 'install', '-y', 'gnuplot-nox'], capture_output=True)
        if r.returncode:
            subprocess.run(['apt-get', 'update'], capture_output=True)
            subprocess.run(['apt-get', 'install', '-y', 'gnuplot-nox'], capture_output=True)
    g = shutil.which('gnuplot')
    if not g:
        sys.exit('plot: gnuplot is not installed and apt-get install gnuplot-nox failed')
    return g


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else 'bench/out/results.json'
    dst = sys.argv[2] if len(sys.argv) > 2 else 'bench/out/throughput.png'
    res = json.load(open(src))
    series = {}
    for r in res['runs']:
        if r['bench'] == 'inspect' or not r.get('rate'):
            continue
        series.setdefault((r['bench'], r['tool']), []).append((r['size'], r['rate'], r['rss_mb']))
    series = {k: sorted(v) for k, v in series.items() if len(v) > 1}
    if not series:
        sys.exit('plot: no benchmark ran at more than one size')
    tmp = tempfile.mkdtemp(prefix='bench-plot-')
    benches = sorted({b for b, _ in series})
    colour = {b: c for b, c in zip(benches, ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b',
                                             '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'])}
    thr, mem = [], []
    for i, ((bench, tool), pts) in enumerate(sorted(series.items())):
        f = os.path.join(tmp, f'{i}.dat')
        with open(f, 'w') as out:
            for size, rate, rss in pts:
                out.write(f'{size} {rate} {rss}\n')
        ours = tool == 'sessionctl'
        style = f'lc rgb "{colour[bench]}" lw 2 pt 7 dt {1 if ours else 2}'
        thr.append(f'"{f}" using 1:2 with linespoints {style} title "{bench} {tool}"')
        if ours:
            mem.append(f'"{f}" using 1:3 with linespoints {style} title "{bench}"')
    m = res['machine']
    script = f'''
set terminal pngcairo size 1500,650 font "sans,10"
set output "{dst}"
set multiplot layout 1,2 title "sessionctl vs references, {m["nproc"]} cpu {m["cpu"]}, {res["mode"]} run {res["started"][:10]}"
set logscale x
set format x "10^{{%L}}"
set grid
set key outside bottom center horizontal maxrows 5 font ",8"
set xlabel "input size (tokens, sessions, keys)"
set ylabel "throughput (items / s, log scale)"
set logscale y
set format y "10^{{%L}}"
set title "throughput: flat = cost linear in the input (solid: sessionctl, dashed: reference)"
plot {", ".join(thr)}
unset logscale y
set format y "%g"
set ylabel "peak RSS (MB)"
set yrange [0:80]
set title "sessionctl peak RSS: flat = memory independent of the input; target < 64 MB"
plot 64 with lines lc rgb "black" dt 3 title "64 MB target", {", ".join(mem)}
unset multiplot
'''
    r = subprocess.run([gnuplot()], input=script, text=True, capture_output=True)
    if r.returncode or not os.path.exists(dst):
        sys.exit('plot: gnuplot failed: ' + r.stderr[-500:])
    shutil.rmtree(tmp)
    print(f'plot: wrote {dst}', file=sys.stderr)


if __name__ == '__main__':
    main()
