// The playground's logic: the API calls (with the key asked for on a 401) and the form. Rendering is
// in view.js. Plain ES modules, served by `rerankit serve` from assets/ui; nothing else is loaded.
import { renderBoard, parseDocuments } from './view.js';

const KEY = 'rerankit-api-key';
const $ = (sel) => document.querySelector(sel);
const form = $('#run');
const status = $('#status');

function say(text, isError = false) {
  status.textContent = text;
  status.classList.toggle('error', isError);
  status.setAttribute('role', isError ? 'alert' : 'status');
}

/** Opens the key dialog; resolves with the key typed, or null when cancelled. */
function askKey(reason) {
  const dialog = $('#key-dialog');
  const input = dialog.querySelector('input[name=apikey]');
  $('#key-reason').textContent = reason;
  input.value = '';
  return new Promise((resolve) => {
    const done = (value) => {
      dialog.removeEventListener('close', onClose);
      resolve(value);
    };
    const onClose = () => done(dialog.returnValue === 'ok' && input.value.trim() ? input.value.trim() : null);
    $('#key-cancel').onclick = () => dialog.close('cancel');
    dialog.addEventListener('close', onClose);
    dialog.showModal();
    input.focus();
  });
}

/** One API call; a 401 asks for a key (kept in sessionStorage) and tries again. */
async function api(path, body) {
  for (;;) {
    const headers = body ? { 'content-type': 'application/json' } : {};
    const key = sessionStorage.getItem(KEY);
    if (key) headers.authorization = `Bearer ${key}`;
    const t0 = performance.now();
    const res = await fetch(path, { method: body ? 'POST' : 'GET', headers, body: body && JSON.stringify(body) });
    const ms = performance.now() - t0;
    const data = await res.json().catch(() => ({}));
    if (res.status === 401) {
      sessionStorage.removeItem(KEY);
      const typed = await askKey(messageOf(data) || 'The server answered 401.');
      if (!typed) throw new Error('this server needs an API key');
      sessionStorage.setItem(KEY, typed);
      continue;
    }
    if (!res.ok) return { ok: false, status: res.status, error: messageOf(data) || `${res.status} ${res.statusText}` };
    return { ok: true, data, ms, headers: res.headers };
  }
}

const messageOf = (d) => (typeof d?.message === 'string' ? d.message : typeof d?.error === 'string' ? d.error : d?.error?.message ?? '');

async function init() {
  const models = await api('/v1/models');
  if (!models.ok) throw new Error(models.error);
  for (const sel of [$('#model'), $('#model2')]) {
    for (const m of models.data.data) sel.append(new Option(`${m.id} (${m.kind})`, m.id));
  }
  const index = await api('/v1/index');
  if (index.ok) {
    $('#source').hidden = false;
    $('#index-name').textContent = `(${index.data.retriever}${index.data.documents ? `, ${index.data.documents} documents` : ''})`;
  }
  say(`${models.data.data.length} model${models.data.data.length === 1 ? '' : 's'} served`);
}

/** A column for one model's answer to /v1/rerank. */
async function rerankColumn(model, query, texts, explain) {
  const r = await api('/v1/rerank', { model, query, documents: texts, explain });
  if (!r.ok) throw new Error(`${model}: ${r.error}`);
  return {
    title: model, kind: 'result',
    stats: stats(r, r.data.usage?.total_tokens ?? 0, r.data.results),
    items: r.data.results.map((x) => ({ index: x.index, score: x.relevance_score, text: texts[x.index], explanation: x.explanation })),
  };
}

function stats(r, tokens, results) {
  const server = r.headers.get('x-rerankit-total-ms');
  const calls = results.reduce((n, x) => n + (x.explanation?.calls ?? 0), 0);
  return [
    `${Math.round(r.ms)} ms${server ? ` (server ${Math.round(Number(server))} ms)` : ''}`,
    tokens ? `${tokens} tokens` : 'tokens not counted',
    ...(calls ? [`${calls} extra pairs to explain`] : []),
  ].join(' · ');
}

/** First stage and reranked columns from /v1/search. */
async function searchColumns(models, query, k, explain) {
  const answers = await Promise.all(models.map((model) => api('/v1/search', { model, query, k, explain })));
  const bad = answers.find((a) => !a.ok);
  if (bad) throw new Error(bad.error);
  const first = answers[0].data;
  return [
    { title: `first stage: ${first.retriever}`, kind: 'candidate', stats: `${first.first_stage.length} candidates`, items: first.first_stage.map((h, i) => ({ index: i, score: h.score, text: h.text, explanation: h.explanation, id: h.id })) },
    ...answers.map((a) => ({
      title: a.data.model, kind: 'result', stats: stats(a, a.data.tokens, a.data.results),
      items: a.data.results.map((x) => ({ index: x.index, score: x.score, text: x.text, explanation: x.explanation, id: x.id })),
    })),
  ];
}

async function run(event) {
  event.preventDefault();
  const f = new FormData(form);
  const query = String(f.get('query')).trim();
  const models = [f.get('model'), f.get('model2')].filter((m, i, all) => m && all.indexOf(m) === i);
  const explain = f.get('explain') === 'on';
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  say('running…');
  try {
    if (!query) throw new Error('type a query');
    let columns;
    if (f.get('source') === 'index') {
      columns = await searchColumns(models, query, Number(f.get('k')) || 20, explain);
    } else {
      const texts = parseDocuments(String(f.get('documents')));
      if (texts.length === 0) throw new Error('give at least one document');
      columns = await Promise.all(models.map((m) => rerankColumn(m, query, texts, explain)));
    }
    renderBoard($('#output'), query, columns);
    say(`done: ${columns.map((c) => c.title).join(' vs ')}`);
  } catch (e) {
    say(e.message, true);
  } finally {
    button.disabled = false;
  }
}

form.addEventListener('submit', run);
// Documents typed in are not used when the index supplies them.
form.addEventListener('change', (e) => {
  if (e.target.name !== 'source') return;
  const fromIndex = e.target.value === 'index';
  $('#documents').hidden = fromIndex;
  $('#documents-label').hidden = fromIndex;
});
form.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    form.requestSubmit();
  }
});
init().catch((e) => say(e.message, true));
