#!/usr/bin/env python3
"""Merges the results of a partial run (bench/run --only …) into a full one: every bench the newer
run measured replaces the older run's figures of that bench, the rest are kept, and the targets are
judged again. Each target still compares figures of one run (ours and the reference of a bench
always come from the same run); the merged file records which run every bench came from.

    python3 bench/merge.py OLD.json NEW.json > bench/out/results.json"""
import json
import os
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    old, new = (json.load(open(p)) for p in sys.argv[1:])
    fresh = {r['bench'] for r in new['runs']}
    out = dict(old)
    out['runs'] = [r for r in old['runs'] if r['bench'] not in fresh] + new['runs']
    out['sources'] = {}
    for res, benches in ((old, {r['bench'] for r in old['runs']} - fresh), (new, fresh)):
        for b in sorted(benches):
            # a bench the old file had merged in itself keeps the run it came from
            out['sources'][b] = (res.get('sources') or {}).get(b) or f'{res["mode"]} run {res["started"]}'
    if new.get('gobench'):
        out['gobench'], out['benchstat'] = new['gobench'], new.get('benchstat')
        out['sources']['gobench'] = f'{new["mode"]} run {new["started"]}'
    elif old.get('gobench'):  # kept: from where the old file had it
        out['sources']['gobench'] = (old.get('sources') or {}).get('gobench') or f'{old["mode"]} run {old["started"]}'
    for k in ('warmup', 'purge_left'):
        if k in new:
            out[k] = new[k]
    # the benches the reclaim was paused for: the old run's that are kept, and the new run's
    listed = lambda res: [res['damon_paused_for']] if isinstance(res.get('damon_paused_for'), str) \
        else res.get('damon_paused_for') or []
    paused = [b for b in listed(old) if b not in fresh] + listed(new)
    if paused:
        out['damon_paused_for'] = paused
    else:
        out.pop('damon_paused_for', None)
    out['machine'] = dict(old['machine'], **new['machine'])
    out['notes'] = old.get('notes', []) + [n for n in new.get('notes', []) if n not in old.get('notes', [])]
    out['merged'] = (old.get('merged') or [f'{old["mode"]} run {old["started"]}']) + [f'{new["mode"]} run {new["started"]}']
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
        json.dump(out, f, indent=1)
    try:
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), 'bench.py'), '--rejudge', f.name], check=True)
        sys.stdout.write(open(f.name).read())
    finally:
        os.remove(f.name)


if __name__ == '__main__':
    main()
