"""Builds a learning-to-rank set from Cranfield (BM25 and term features of each query's top-100 BM25
candidates, graded labels from cranqrel) and trains XGBoost rank:ndcg with tree_method=hist, nthread=1.

Run with Debian's python (it has xgboost): /usr/bin/python3 bench/lambdamart_xgb.py OUT_DIR TREES DEPTH ETA [DATASET_DIR] [RUNS]
Writes OUT_DIR/data.json (groups of features and labels, train/test) and OUT_DIR/xgb.json (test predictions, seconds).
"""
import json, math, re, sys, time
from collections import Counter
import numpy as np
import xgboost as xgb

out, trees, depth, eta = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
root = sys.argv[5] if len(sys.argv) > 5 else '../shared/datasets/cranfield'

def sections(path):
    recs, cur, field = [], None, None
    for line in open(path, encoding='latin-1'):
        if line.startswith('.I'):
            cur = {'T': '', 'W': '', 'A': '', 'B': ''}; recs.append(cur); field = None
        elif re.match(r'^\.[TWAB]\s*$', line):
            field = line[1]
        elif field:
            cur[field] += line
    return recs

tok = lambda s: re.findall(r'[a-z0-9]+', s.lower())
docs = sections(f'{root}/cran.all.1400')
queries = sections(f'{root}/cran.qry')
qrels = {}
for line in open(f'{root}/cranqrel'):
    q, d, r = line.split()[:3]
    r = int(r)
    # Cleverdon's codes: 1 = complete answer ... 4 = minimal interest; -1/5 = not relevant.
    qrels.setdefault(int(q), {})[int(d)] = {1: 4, 2: 3, 3: 2, 4: 1}.get(r, 0)

def field_index(field):
    toks = [tok(d[field]) for d in docs]
    df = Counter(t for ts in toks for t in set(ts))
    avg = sum(map(len, toks)) / len(toks)
    return toks, [Counter(ts) for ts in toks], df, avg

N = len(docs)
idx = {f: field_index(f) for f in ('T', 'W')}
def bm25(f, q, d, k1=1.2, b=0.75):
    toks, tfs, df, avg = idx[f]
    s = 0.0
    for t in q:
        tf = tfs[d].get(t, 0)
        if tf:
            idf = math.log(1 + (N - df[t] + 0.5) / (df[t] + 0.5))
            s += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(toks[d]) / avg))
    return s

groups = []
for qi, q in enumerate(queries, start=1):
    qt = tok(q['W'])
    qset = set(qt)
    scores = [bm25('W', qt, d) for d in range(N)]
    top = sorted(range(N), key=lambda d: -scores[d])[:100]
    x, y = [], []
    for d in top:
        tw, tt = idx['W'][1][d], idx['T'][1][d]
        df = idx['W'][2]
        matched = [t for t in qset if t in tw]
        x.append([
            scores[d], bm25('T', qt, d), len(matched), len([t for t in qset if t in tt]),
            len(matched) / max(1, len(qset)), sum(tw[t] for t in qset), len(idx['W'][0][d]), len(idx['T'][0][d]),
            sum(math.log(N / df[t]) for t in matched), max([math.log(N / df[t]) for t in matched] or [0]),
            bm25('W', qt, d, k1=2.0, b=0.3), len(qt),
        ])
        y.append(qrels.get(qi, {}).get(d + 1, 0))
    groups.append({'x': x, 'y': y})

cut = int(len(groups) * 0.8)
train, test = groups[:cut], groups[cut:]
json.dump({'features': ['bm25_body', 'bm25_title', 'matched_body', 'matched_title', 'coverage', 'tf_sum', 'len_body', 'len_title', 'idf_sum', 'idf_max', 'bm25_k2', 'qlen'], 'train': train, 'test': test}, open(f'{out}/data.json', 'w'))

X = np.array([r for g in train for r in g['x']], dtype=np.float32)
Y = np.array([v for g in train for v in g['y']], dtype=np.float32)
d = xgb.DMatrix(X, label=Y)
d.set_group([len(g['y']) for g in train])
params = {'objective': 'rank:ndcg', 'tree_method': 'hist', 'nthread': 1, 'max_depth': depth, 'eta': eta, 'eval_metric': 'ndcg@10', 'seed': 0, 'max_bin': 256, 'lambda': 1, 'min_child_weight': 1}
runs = int(sys.argv[6]) if len(sys.argv) > 6 else 3
secs = float('inf')
for _ in range(runs):  # best of `runs`, as the TypeScript side measures
    t0 = time.perf_counter()
    booster = xgb.train(params, d, num_boost_round=trees)
    secs = min(secs, time.perf_counter() - t0)
preds = [booster.predict(xgb.DMatrix(np.array(g['x'], dtype=np.float32))).tolist() for g in test]
json.dump({'seconds': secs, 'test': preds, 'version': xgb.__version__}, open(f'{out}/xgb.json', 'w'))
