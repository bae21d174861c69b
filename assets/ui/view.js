// Rendering: ranked columns, explanation highlights, and SVG lines joining each document's positions
// in neighbouring columns. Plain DOM; styles in style.css, colours set through the CSSOM (CSP-safe).
const SVG = 'http://www.w3.org/2000/svg';

/** One document per non-empty line; JSON lines when every line is a JSON string or {"text": ...}. */
export function parseDocuments(text) {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const parse = (l) => {
    try {
      const v = JSON.parse(l);
      return typeof v === 'string' ? v : v && typeof v.text === 'string' ? v.text : undefined;
    } catch {
      return undefined;
    }
  };
  const json = lines.length > 0 && lines.every((l) => parse(l) !== undefined);
  return json ? lines.map(parse) : lines;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/**
 * The text with its spans marked: weights are summed per character (BM25's unigrams and bigrams
 * overlap), runs of equal weight become one mark, coloured by sign, opacity by size.
 */
export function highlighted(text, spans = []) {
  const w = new Float64Array(text.length);
  for (const s of spans) for (let i = s.start; i < s.end && i < text.length; i++) w[i] += s.weight;
  const max = Math.max(1e-12, ...w.map(Math.abs));
  const out = document.createDocumentFragment();
  let i = 0;
  while (i < text.length) {
    let j = i + 1;
    while (j < text.length && w[j] === w[i]) j++;
    const piece = text.slice(i, j);
    if (w[i] === 0 || piece.trim() === '') out.append(piece);
    else {
      const m = el('mark', { 'data-testid': 'highlight', 'data-weight': String(w[i]), title: `weight ${w[i].toFixed(4)}` }, piece);
      const a = 0.15 + 0.7 * Math.abs(w[i]) / max;
      m.style.backgroundColor = w[i] > 0 ? `rgba(22, 163, 74, ${a})` : `rgba(220, 38, 38, ${a})`;
      m.classList.add(w[i] > 0 ? 'up' : 'down');
      out.append(m);
    }
    i = j;
  }
  return out;
}

function move(index, rank) {
  const d = index - rank;
  const text = d > 0 ? `▲${d}` : d < 0 ? `▼${-d}` : '=';
  return el('span', { class: `move ${d > 0 ? 'up' : d < 0 ? 'down' : 'same'}`, title: `input position ${index + 1}, now ${rank + 1}`, 'aria-label': d === 0 ? 'same place as in the input' : `${d > 0 ? 'up' : 'down'} ${Math.abs(d)} from the input order` }, text);
}

function item(it, rank, kind, query) {
  const e = it.explanation;
  const li = el('li', { 'data-testid': kind, 'data-index': String(it.index), 'data-score': String(it.score), tabindex: '0' });
  li.append(el('div', { class: 'meta' },
    el('span', { class: 'rank' }, `#${rank + 1}`),
    el('span', { class: 'score' }, it.score.toFixed(4)),
    kind === 'result' ? move(it.index, rank) : el('span', { class: 'move same' }, it.id ?? ''),
    el('span', { class: 'where' })));
  li.append(el('p', { class: 'doc' }, highlighted(it.text ?? '', e?.document)));
  if (e?.query?.length) li.append(el('p', { class: 'query' }, el('span', { class: 'label' }, 'query: '), highlighted(query, e.query)));
  return li;
}

/** Renders the columns, then draws the lines between neighbours (again whenever the layout changes). */
export function renderBoard(root, query, columns) {
  root.replaceChildren();
  const board = el('div', { class: `board cols-${columns.length}` });
  columns.forEach((c, i) => {
    if (i > 0) board.append(el('div', { class: 'gutter', 'aria-hidden': 'true' }));
    const col = el('section', { class: 'column', 'data-model': c.title, 'aria-label': c.title },
      el('h2', {}, c.title), el('p', { class: 'stats' }, c.stats),
      el('ol', { class: 'results' }, ...c.items.map((it, rank) => item(it, rank, c.kind, query))));
    board.append(col);
  });
  root.append(board);
  if (columns.length > 1) {
    label(board);
    const draw = () => drawLines(board);
    new ResizeObserver(draw).observe(board);
    draw();
  }
}

/** Beside each item: its position in the neighbouring column (what the lines show, readable when they are hidden). */
function label(board) {
  const cols = [...board.querySelectorAll('.column')];
  cols.forEach((col, c) => {
    const other = cols[c === 0 ? 1 : c - 1];
    const pos = new Map([...other.querySelectorAll('li')].map((li, r) => [li.dataset.index, r]));
    for (const li of col.querySelectorAll('li')) {
      const r = pos.get(li.dataset.index);
      li.querySelector('.where').textContent = r === undefined ? '' : `#${r + 1} in ${other.dataset.model}`;
    }
  });
}

function drawLines(board) {
  const cols = [...board.querySelectorAll('.column')];
  const gutters = [...board.querySelectorAll('.gutter')];
  gutters.forEach((g, i) => {
    g.replaceChildren();
    const box = g.getBoundingClientRect();
    if (box.width < 4) return; // stacked layout: the labels say it
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('width', String(box.width));
    svg.setAttribute('height', String(box.height));
    svg.setAttribute('data-testid', 'lines');
    const left = new Map([...cols[i].querySelectorAll('li')].map((li) => [li.dataset.index, li]));
    for (const li of cols[i + 1].querySelectorAll('li')) {
      const from = left.get(li.dataset.index);
      if (!from) continue;
      const a = from.getBoundingClientRect();
      const b = li.getBoundingClientRect();
      const y1 = a.top + a.height / 2 - box.top;
      const y2 = b.top + b.height / 2 - box.top;
      const line = document.createElementNS(SVG, 'path');
      line.setAttribute('d', `M0 ${y1} C ${box.width / 2} ${y1}, ${box.width / 2} ${y2}, ${box.width} ${y2}`);
      line.setAttribute('class', y2 < y1 - 1 ? 'up' : y2 > y1 + 1 ? 'down' : 'same');
      line.setAttribute('data-index', li.dataset.index);
      svg.append(line);
    }
    g.append(svg);
  });
}
