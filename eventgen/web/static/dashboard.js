// The eventgen server's dashboard: polls GET /api/generators every second, draws each generator's events/s per
// output against its target, its lag and failures/s, and its workers; starts, stops and re-rates through the API.
// Plain JS, no build step, nothing loaded from elsewhere. The token comes from the page (a meta tag) and is sent
// as a header: the session cookie opens the page, never the API.
"use strict";

const TOKEN = document.querySelector('meta[name="eventgen-token"]').content;
const POLL_MS = 1000;
const KEEP_S = 120; // seconds of history a chart shows
const COLORS = ["#2f6fde", "#1f8a4c", "#8e44ad", "#d35400", "#16a085", "#c0392b", "#7f8c8d"];
const TARGET_COLOR = "#1d2430";
const LIVE = new Set(["starting", "running", "stopping"]);
const cards = new Map(); // generator id -> {root, history: [{t, target, outputs, lag, failRate}], last}

const $ = (id) => document.getElementById(id);

function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

async function api(method, path, body) {
  const init = { method, headers: { "X-Eventgen-Token": TOKEN } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  if (!response.ok) {
    const detail = data && data.detail;
    throw new Error(typeof detail === "string" ? detail : `HTTP ${response.status}`);
  }
  return data;
}

function toast(message, bad) {
  const box = $("toast");
  box.textContent = message;
  box.className = "toast" + (bad ? " bad" : "");
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, bad ? 6000 : 3000);
}

function figure(value, digits) {
  if (value === null || value === undefined) return "–";
  return Number(value).toLocaleString("en-US", { maximumFractionDigits: digits === undefined ? 1 : digits });
}

// ------------------------------------------------------------------------------------------------ one card
function makeCard(gen) {
  const id = esc(gen.id);
  const root = document.createElement("section");
  root.className = "gen";
  root.id = "gen-" + gen.id;
  root.dataset.id = gen.id;
  root.innerHTML = `
    <div class="gen-head">
      <h2>${id}</h2><span class="state pill"></span><span class="path">${esc(gen.spec.path)}</span>
      <div class="spacer"></div>
      <button class="start primary">Start</button><button class="stop">Stop</button>
      <label class="rate">Rate <input class="rate-input" type="number" min="0" step="any"> events/s</label>
      <button class="set-rate">Set rate</button>
      <a class="studio" href="/studio/${encodeURIComponent(gen.id)}/" target="_blank" rel="noopener">Studio</a>
    </div>
    <div class="figures">
      <div><b class="rate-now">0</b><small>events/s now</small></div>
      <div><b class="target">–</b><small>target events/s</small></div>
      <div><b class="generated">0</b><small>generated</small></div>
      <div><b class="sent">0</b><small>sent</small></div>
      <div><b class="failed">0</b><small>failed</small></div>
      <div><b class="lag">0</b><small>lag, s</small></div>
      <div><b class="workers">0</b><small>workers</small></div>
      <div><b class="inflight">0</b><small>jobs in flight</small></div>
    </div>
    <div class="charts">
      <figure><figcaption>events/s per output, against the target</figcaption>
        <canvas class="chart-rate" data-points="0"></canvas><div class="legend legend-rate"></div></figure>
      <figure><figcaption>lag (s) and failures/s</figcaption>
        <canvas class="chart-health" data-points="0"></canvas><div class="legend legend-health"></div></figure>
    </div>
    <table class="outputs-table"><thead><tr><th>sample</th><th>output</th><th>generated</th><th>sent</th>
      <th>failed</th><th>bytes</th><th>resent</th><th>events/s now</th></tr></thead><tbody></tbody></table>
    <table class="workers-table"><thead><tr><th>worker</th><th>state</th><th>load (jobs in flight / capacity)</th>
      <th>generated</th><th>sent</th><th>failed</th></tr></thead><tbody></tbody></table>
    <p class="error" hidden></p>`;
  const q = (sel) => root.querySelector(sel);
  q(".start").addEventListener("click", () => act(gen.id, "start"));
  q(".stop").addEventListener("click", () => act(gen.id, "stop"));
  q(".set-rate").addEventListener("click", () => setRate(gen.id, q(".rate-input")));
  q(".rate-input").addEventListener("keydown", (e) => { if (e.key === "Enter") setRate(gen.id, e.target); });
  q(".rate-input").addEventListener("input", (e) => { e.target.dataset.dirty = "1"; });
  return { root, history: [], last: null };
}

async function act(id, verb) {
  try {
    const gen = await api("POST", `/api/generators/${encodeURIComponent(id)}/${verb}`);
    toast(`${id}: ${gen.state}`);
    poll.now();
  } catch (err) { toast(`${id}: ${err.message}`, true); }
}

async function setRate(id, input) {
  const rate = Number(input.value);
  if (!(rate > 0)) { toast(`${id}: the rate must be a number above 0`, true); return; }
  try {
    const answer = await api("PUT", `/api/generators/${encodeURIComponent(id)}/rate`, { rate });
    delete input.dataset.dirty;
    toast(`${id}: target ${figure(answer.target_rate)} events/s (${answer.applied})`);
    poll.now();
  } catch (err) { toast(`${id}: ${err.message}`, true); }
}

function outputRates(gen) {
  const rates = {};
  for (const row of gen.outputs) rates[row.output] = row.rate_now; // the meter counts per output, not per sample
  return rates;
}

function update(card, gen, now) {
  const q = (sel) => card.root.querySelector(sel);
  const state = q(".state");
  state.textContent = gen.state;
  state.className = "state pill " + gen.state;
  card.root.dataset.state = gen.state;
  q(".start").disabled = LIVE.has(gen.state);
  q(".stop").disabled = !LIVE.has(gen.state);
  for (const key of ["generated", "sent", "failed", "workers", "inflight"]) q("." + key).textContent = figure(gen[key], 0);
  q(".rate-now").textContent = figure(gen.rate_now);
  q(".target").textContent = figure(gen.target_rate);
  q(".lag").textContent = figure(gen.lag, 2);
  const input = q(".rate-input");
  if (document.activeElement !== input && !input.dataset.dirty) input.value = gen.target_rate ?? "";
  const error = q(".error");
  error.hidden = !gen.error;
  error.textContent = gen.error;
  if (LIVE.has(gen.state)) {
    const last = card.last && card.last.run_id === gen.run_id ? card.last : null;
    const failRate = last ? Math.max(gen.failed - last.failed, 0) / Math.max(now - last.t, 0.001) : 0;
    card.history.push({ t: now, target: gen.target_rate, outputs: outputRates(gen), lag: gen.lag, failRate });
    card.last = { t: now, failed: gen.failed, run_id: gen.run_id };
  }
  card.history = card.history.filter((p) => p.t >= now - KEEP_S);
  drawCharts(card, now);
  drawOutputs(q(".outputs-table tbody"), gen.outputs);
  drawWorkers(q(".workers-table tbody"), gen.worker_rows);
}

function drawOutputs(body, outputs) {
  const cells = (row) => ["generated", "sent", "failed", "bytes", "resent"].map(
    (key) => `<td class="num">${figure(row[key], 0)}</td>`).join("");
  body.innerHTML = outputs.length ? outputs.map((row) => `<tr><td>${esc(row.sample)}</td><td>${esc(row.output)}</td>
    ${cells(row)}<td class="num">${figure(row.rate_now)}</td></tr>`).join("")
    : '<tr><td colspan="8">no run yet</td></tr>';
}

function drawWorkers(body, workers) {
  if (!workers.length) {
    body.innerHTML = '<tr><td colspan="6">no workers: the generator runs inside the server</td></tr>';
    return;
  }
  body.innerHTML = workers.map((w) => {
    const load = w.capacity ? Math.min(w.inflight / w.capacity, 1) : 0;
    return `<tr data-worker="${esc(w.id)}"><td>${esc(w.name || w.id)}</td><td>${esc(w.state)}</td>
      <td><span class="load"><span style="width:${(load * 100).toFixed(0)}%"></span></span>${w.inflight} / ${w.capacity}</td>
      <td class="num">${figure(w.generated, 0)}</td><td class="num">${figure(w.sent, 0)}</td>
      <td class="num">${figure(w.failed, 0)}</td></tr>`;
  }).join("");
}

// ------------------------------------------------------------------------------------------------ charts
function drawCharts(card, now) {
  const names = [...new Set(card.history.flatMap((p) => Object.keys(p.outputs)))];
  const rate = names.map((name, i) => ({
    name, color: COLORS[i % COLORS.length],
    points: card.history.filter((p) => name in p.outputs).map((p) => [p.t, p.outputs[name]]),
  }));
  rate.push({ name: "target", color: TARGET_COLOR, dash: [6, 4],
    points: card.history.filter((p) => p.target !== null).map((p) => [p.t, p.target]) });
  const health = [
    { name: "lag, s", color: "#b7791f", points: card.history.map((p) => [p.t, p.lag]) },
    { name: "failures/s", color: "#c8372d", points: card.history.map((p) => [p.t, p.failRate]) },
  ];
  chart(card.root.querySelector(".chart-rate"), card.root.querySelector(".legend-rate"), rate, now);
  chart(card.root.querySelector(".chart-health"), card.root.querySelector(".legend-health"), health, now);
}

function chart(canvas, legend, series, now) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const pad = { left: 54, right: 10, top: 10, bottom: 22 };
  const plotW = width - pad.left - pad.right, plotH = height - pad.top - pad.bottom;
  const top = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p[1]))));
  const x = (t) => pad.left + plotW * (1 - (now - t) / KEEP_S);
  const y = (v) => pad.top + plotH * (1 - v / top);
  g.font = "11px system-ui, sans-serif";
  g.strokeStyle = "#e3e6eb";
  g.fillStyle = "#667085";
  g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const v = (top * i) / 4;
    g.beginPath(); g.moveTo(pad.left, y(v)); g.lineTo(width - pad.right, y(v)); g.stroke();
    g.fillText(figure(v, v < 10 ? 2 : 0), 4, y(v) + 4);
  }
  for (const ago of [120, 90, 60, 30, 0]) g.fillText(ago ? `-${ago}s` : "now", x(now - ago) - 12, height - 6);
  for (const s of series) {
    if (!s.points.length) continue;
    g.strokeStyle = s.color;
    g.lineWidth = 2;
    g.setLineDash(s.dash || []);
    g.beginPath();
    s.points.forEach(([t, v], i) => (i ? g.lineTo(x(t), y(v)) : g.moveTo(x(t), y(v))));
    g.stroke();
  }
  g.setLineDash([]);
  canvas.dataset.points = String(Math.max(0, ...series.map((s) => s.points.length)));
  canvas.dataset.top = String(top);
  legend.innerHTML = series.map((s) => {
    const last = s.points.length ? s.points[s.points.length - 1][1] : null;
    return `<span data-series="${esc(s.name)}"><i style="background:${s.color}"></i>${esc(s.name)} ${figure(last)}</span>`;
  }).join("");
}

// The top of the y axis: a round number whose quarters (the grid lines) are round too.
function niceMax(value) {
  if (value <= 0) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 1.2, 2, 4, 6, 8, 10]) if (value * 1.05 <= m * step) return m * step;
  return 10 * step;
}

// ------------------------------------------------------------------------------------------------ polling
async function refresh() {
  const now = Date.now() / 1000;
  let gens;
  try {
    gens = await api("GET", "/api/generators");
  } catch (err) {
    $("health").textContent = `no answer: ${err.message}`;
    $("health").className = "pill failed";
    return;
  }
  const running = gens.filter((g) => LIVE.has(g.state)).length;
  $("health").textContent = `${gens.length} generators, ${running} running`;
  $("health").className = "pill";
  $("empty").hidden = gens.length > 0;
  const seen = new Set();
  for (const gen of gens) {
    seen.add(gen.id);
    let card = cards.get(gen.id);
    if (!card) {
      card = makeCard(gen);
      cards.set(gen.id, card);
      $("generators").appendChild(card.root);
    }
    update(card, gen, now);
  }
  for (const [id, card] of cards) if (!seen.has(id)) { card.root.remove(); cards.delete(id); }
}

const poll = {
  timer: null,
  busy: false,
  async loop() {
    if (poll.busy) return; // a poll is on its way: it schedules the next one
    poll.busy = true;
    clearTimeout(poll.timer);
    try { await refresh(); } finally {
      poll.busy = false;
      poll.timer = setTimeout(poll.loop, POLL_MS);
    }
  },
  now() { poll.loop(); },
};

$("start-all").addEventListener("click", () => bulk("start"));
$("stop-all").addEventListener("click", () => bulk("stop"));

async function bulk(verb) {
  try {
    const answer = await api("POST", `/api/bulk/${verb}`, { ids: [] });
    toast(`${verb}: ${answer.generators.length} generators`);
    poll.now();
  } catch (err) { toast(`${verb}: ${err.message}`, true); }
}

poll.loop();
