// The page's program: loads wasmbert (the package's own dist/ modules) and the served model, then runs the
// walkthrough for the texts in the form. Everything is computed here, in the browser: threads where the page is
// cross-origin isolated (the server sends COOP/COEP), one thread otherwise. Results are also left on
// window.wasmbertPage for tests (test/serve-page.test.ts compares them with Node's).
import { Bert, threadsAvailable } from '/dist/index.js';

const $ = (id) => document.getElementById(id);
const status = (s) => ($('status').textContent = s);
const fmt = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const norm = (v, o, n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += v[o + i] * v[o + i];
  return Math.sqrt(s);
};

let bert;
/** the last run's token, position, segment embeddings and their sum, [L, H] each */
let vectors;

async function load() {
  const t0 = performance.now();
  const threads = threadsAvailable() ? Math.min(navigator.hardwareConcurrency || 1, 4) : 1;
  bert = await Bert.load(new URL('/model.wbin', location.href), { threads, onProgress: status });
  const c = bert.config;
  status(`model: ${c.num_hidden_layers} layers, hidden ${c.hidden_size}, ${c.num_attention_heads} heads — ${bert.variant}, ${bert.threads} thread${bert.threads > 1 ? 's' : ''}${self.crossOriginIsolated ? ' (cross-origin isolated)' : ''} — loaded in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  $('run').disabled = false;
}

async function run(a, b) {
  const t0 = performance.now();
  const enc = bert.tokenizer.encode(a);
  const out = await bert.forward(enc, { hiddenStates: true, attentions: true, embeddings: true });
  const [ea, eb] = await bert.embed([a, b]);
  let cosine = 0;
  for (let i = 0; i < ea.length; i++) cosine += ea[i] * eb[i];
  const ms = performance.now() - t0;

  const H = bert.config.hidden_size;
  const L = enc.inputIds.length;
  const heads = bert.config.num_attention_heads;
  const e = out.embeddings;
  const tokens = enc.tokens.map((t, i) => ({
    token: t,
    id: enc.inputIds[i],
    type: enc.tokenTypeIds[i],
    word: norm(e.word.data, i * H, H),
    position: norm(e.position.data, i * H, H),
    segment: norm(e.tokenType.data, i * H, H),
    sum: norm(e.sum.data, i * H, H),
  }));
  const hiddenNorms = out.hiddenStates.map((h) => Array.from({ length: L }, (_, t) => norm(h.data, t * H, H)));
  vectors = { H, rows: [e.word.data, e.position.data, e.tokenType.data, e.sum.data], tokens: enc.tokens };
  const result = { ids: enc.inputIds, tokens, hiddenNorms, cosine, embeddingA: Array.from(ea), embeddingB: Array.from(eb), attentions: out.attentions.map((t) => Array.from(t.data)), L, heads, ms, threads: bert.threads, variant: bert.variant };
  render(result);
  window.wasmbertPage = result;
  return result;
}

function render(r) {
  $('out').hidden = false;
  $('cosine').textContent = fmt(r.cosine, 4);
  $('timing').textContent = `computed in ${fmt(r.ms, 0)} ms on ${r.threads} thread${r.threads > 1 ? 's' : ''} (${r.variant})`;

  const rows = [['', ...r.tokens.map((_, i) => i)], ['token', ...r.tokens.map((t) => t.token)], ['id', ...r.ids], ['segment', ...r.tokens.map((t) => t.type)], ['‖token emb‖', ...r.tokens.map((t) => fmt(t.word))], ['‖position emb‖', ...r.tokens.map((t) => fmt(t.position))], ['‖segment emb‖', ...r.tokens.map((t) => fmt(t.segment))], ['‖sum‖', ...r.tokens.map((t) => fmt(t.sum))]];
  $('tokens').innerHTML = rows.map((row, i) => `<tr>${row.map((c, j) => (i === 0 || j === 0 ? `<th>${escape(c)}</th>` : `<td>${escape(c)}</td>`)).join('')}</tr>`).join('');

  $('tokens').querySelectorAll('tr:first-child th').forEach((th, j) => j > 0 && (th.onclick = () => showVectors(j - 1)));
  showVectors(Math.min(1, r.tokens.length - 1));

  const all = r.hiddenNorms.flat();
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  $('norms').innerHTML =
    `<tr><th>output</th>${r.tokens.map((t) => `<th>${escape(t.token)}</th>`).join('')}</tr>` +
    r.hiddenNorms.map((row, l) => `<tr><th>${l === 0 ? 'embeddings' : `layer ${l}`}</th>${row.map((v) => `<td style="background:${shade((v - lo) / (hi - lo || 1))}">${fmt(v, 2)}</td>`).join('')}</tr>`).join('');

  const grid = $('heads');
  grid.innerHTML = '';
  grid.style.gridTemplateColumns = `4.5em repeat(${r.heads}, minmax(0, 1fr))`;
  grid.append(label(''), ...Array.from({ length: r.heads }, (_, h) => label(`head ${h}`)));
  r.attentions.forEach((att, layer) => {
    grid.append(label(`layer ${layer + 1}`));
    for (let h = 0; h < r.heads; h++) {
      const c = heatmap(att, h, r.L);
      c.title = `layer ${layer + 1}, head ${h}`;
      c.onclick = () => zoom(att, h, r, layer);
      grid.append(c);
    }
  });
}

/** One token's four embedding vectors as four strips of H cells, coloured by value. */
function showVectors(t) {
  const { H, rows, tokens } = vectors;
  $('vecToken').textContent = `${t} (${tokens[t]})`;
  $('vecDims').textContent = H;
  const c = $('vecs');
  c.width = H;
  c.height = rows.length;
  const ctx = c.getContext('2d');
  const img = ctx.createImageData(H, rows.length);
  rows.forEach((data, k) => {
    let m = 0;
    for (let i = 0; i < H; i++) m = Math.max(m, Math.abs(data[t * H + i]));
    for (let i = 0; i < H; i++) {
      const v = data[t * H + i] / (m || 1);
      const [R, G, B] = v >= 0 ? rgb(v) : rgb(-v).reverse(); // white → blue, white → red
      const o = 4 * (k * H + i);
      img.data.set([R, G, B, 255], o);
    }
  });
  ctx.putImageData(img, 0, 0);
}

function label(text) {
  const d = document.createElement('div');
  d.className = 'lab';
  d.textContent = text;
  return d;
}

/** One head's [L, L] attention as an L×L canvas (CSS scales it up, pixelated). */
function heatmap(att, h, L, canvas = document.createElement('canvas')) {
  canvas.width = L;
  canvas.height = L;
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(L, L);
  for (let i = 0; i < L; i++) {
    for (let j = 0; j < L; j++) {
      const v = att[(h * L + i) * L + j];
      const [R, G, B] = rgb(Math.sqrt(v)); // sqrt: small weights stay visible beside the dominant ones
      const o = 4 * (i * L + j);
      img.data[o] = R;
      img.data[o + 1] = G;
      img.data[o + 2] = B;
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

function zoom(att, h, r, layer) {
  $('zoom').hidden = false;
  heatmap(att, h, r.L, $('zoomCanvas'));
  $('zoomCaption').textContent = `layer ${layer + 1}, head ${h}: ${r.tokens.map((t) => t.token).join(' ')}`;
}

/** white → blue */
function rgb(x) {
  const t = Math.max(0, Math.min(1, x));
  return [Math.round(255 - 215 * t), Math.round(255 - 168 * t), Math.round(255 - 58 * t)];
}
const shade = (x) => `rgb(${rgb(x * 0.6).join(',')})`;
const escape = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

$('form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('run').disabled = true;
  try {
    await run($('a').value, $('b').value);
  } catch (err) {
    status(`error: ${err.message}`);
  } finally {
    $('run').disabled = false;
  }
});

window.wasmbertRun = (a, b) => run(a, b);
load().then(
  () => (document.title = 'wasmbert — ready'),
  (err) => {
    status(`could not load the model: ${err.name}: ${err.message}`);
    document.title = 'wasmbert — error';
  },
);
