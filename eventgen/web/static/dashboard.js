// The dashboard: every generator with its state, controls (start, stop, rate) and a live chart of events/s
// against the target, lag and failures; its workers. It polls the API once a second; no build step.
"use strict";

const TOKEN = document.querySelector('meta[name="eventgen-token"]').content;
const POINTS = 120; // two minutes of history per generator
const history = new Map(); // id -> [{now, target, lag, failed}]
const cards = new Map(); // id -> section

async function call(method, path, body) {
  const options = { method, headers: { Authorization: `Bearer ${TOKEN}` } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const answer = await fetch(path, options);
  const data = answer.status === 204 ? null : await answer.json();
  if (!answer.ok) throw new Error(data && data.detail ? String(data.detail) : `${method} ${path}: ${answer.status}`);
  return data;
}

function act(promise) {
  promise.then(() => { showError(""); return refresh(); }, (error) => showError(error.message));
}

function showError(text) {
  document.getElementById("error").textContent = text;
}

function card(id) {
  if (cards.has(id)) return cards.get(id);
  const node = document.getElementById("generator").content.firstElementChild.cloneNode(true);
  node.dataset.id = id;
  node.querySelector(".id").textContent = id;
  const path = `/api/generators/${encodeURIComponent(id)}`;
  node.querySelector(".start").addEventListener("click", () => act(call("POST", `${path}/start`)));
  node.querySelector(".stop").addEventListener("click", () => act(call("POST", `${path}/stop`)));
  node.querySelector(".set-rate").addEventListener("click", () => {
    const rate = Number(node.querySelector(".rate").value);
    act(call("PUT", `${path}/rate`, { rate }));
  });
  document.getElementById("generators").appendChild(node);
  cards.set(id, node);
  return node;
}

function rows(tbody, items, cells) {
  tbody.replaceChildren(...items.map((item) => {
    const tr = document.createElement("tr");
    for (const value of cells(item)) {
      const td = document.createElement("td");
      td.textContent = typeof value === "number" ? value.toLocaleString() : value;
      tr.appendChild(td);
    }
    return tr;
  }));
}

function draw(canvas, points) {
  const ctx = canvas.getContext("2d");
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const top = Math.max(1, ...points.map((p) => Math.max(p.now, p.target || 0))) * 1.1;
  const lagTop = Math.max(1, ...points.map((p) => p.lag));
  const x = (i) => (i / (POINTS - 1)) * width;
  const line = (color, value, scale) => {
    ctx.strokeStyle = color;
    ctx.beginPath();
    points.forEach((p, i) => {
      const y = height - (value(p) / scale) * (height - 4) - 2;
      if (i === 0) ctx.moveTo(x(i), y); else ctx.lineTo(x(i), y);
    });
    ctx.stroke();
  };
  line("#888", (p) => p.target || 0, top);
  line("#ef6c00", (p) => p.lag, lagTop);
  line("#b00020", (p) => p.failed, top);
  line("#1565c0", (p) => p.now, top);
  ctx.fillStyle = "#1565c0";
  ctx.fillText(`${Math.round(top).toLocaleString()} events/s`, 4, 12);
  canvas.dataset.points = String(points.length);
}

function show(generator) {
  const node = card(generator.id);
  const state = node.querySelector(".state");
  state.textContent = generator.state;
  state.className = `state ${generator.state}`;
  node.dataset.state = generator.state;
  node.dataset.target = generator.target_rate === null ? "" : String(generator.target_rate);
  const input = node.querySelector(".rate");
  if (document.activeElement !== input && generator.target_rate !== null) input.placeholder = generator.target_rate;
  const points = history.get(generator.id) || [];
  const last = points.length ? points[points.length - 1] : null;
  const failedNow = last && generator.failed >= last.failedTotal ? generator.failed - last.failedTotal : 0;
  if (generator.state === "running" || generator.state === "starting") {
    points.push({ now: generator.rate_now, target: generator.target_rate, lag: generator.lag,
      failed: failedNow, failedTotal: generator.failed });
    if (points.length > POINTS) points.shift();
  }
  history.set(generator.id, points);
  draw(node.querySelector(".chart"), points);
  rows(node.querySelector(".outputs tbody"), generator.outputs,
    (o) => [o.sample, o.output, o.sent, o.failed, o.bytes, o.resent, o.rate_now]);
  rows(node.querySelector(".workers tbody"), generator.worker_rows,
    (w) => [w.name || w.id, w.state, w.inflight, w.capacity, w.sent, w.failed]);
}

async function refresh() {
  try {
    const [health, generators] = await Promise.all([call("GET", "/api/health"), call("GET", "/api/generators")]);
    document.getElementById("health").textContent =
      `${health.running} of ${health.generators} generator(s) running · eventgen ${health.version}`;
    const seen = new Set(generators.map((g) => g.id));
    for (const [id, node] of cards) if (!seen.has(id)) { node.remove(); cards.delete(id); history.delete(id); }
    generators.forEach(show);
  } catch (error) {
    showError(error.message);
  }
}

refresh();
setInterval(refresh, 1000);
