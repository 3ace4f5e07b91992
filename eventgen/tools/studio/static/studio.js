/* eventgen studio: vanilla JS, no build step. Talks to /api/* with the X-Studio-Token header. */
"use strict";

const TOKEN = document.querySelector('meta[name="studio-token"]').content;
const $ = (id) => document.getElementById(id);
const S = {
  view: null,        // last /api/config answer
  samples: [],       // last valid sample list (kept while the conf text has errors)
  savedText: "",     // conf text as on disk
  sample: "",        // selected sample label
  steps: [],         // debugger renders
  current: -1,       // debugger: selected render
  openFile: null,    // files tab: open file path
  openFileText: "",
  histBase: {},      // effective values the histogram form started from
  liveTicket: 0,     // live preview: the newest request (older answers are dropped)
  liveRenders: 0,    // live preview: answers shown so far
};
const LIVE_EVENTS = 5;
const LIVE_DELAY = 300; // ms after the last keystroke

// ---------------------------------------------------------------- helpers
function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

async function api(path, body) {
  const init = { headers: { "X-Studio-Token": TOKEN } };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path.replace(/^\//, ""), init); // relative: the studio may be mounted under a prefix
  let data;
  try { data = await response.json(); } catch (e) { data = { error: `HTTP ${response.status}`, errors: [] }; }
  if (!response.ok) { const err = new Error(data.error || `HTTP ${response.status}`); err.data = data; throw err; }
  return data;
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

function toast(message, bad) {
  const box = $("toast");
  box.textContent = message;
  box.className = "toast" + (bad ? " bad" : "");
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, bad ? 6000 : 3500);
}

function showError(id, err) {
  const box = $(id);
  if (!err) { box.hidden = true; box.textContent = ""; return; }
  const lines = [err.message];
  for (const e of (err.data && err.data.errors) || []) lines.push(describeError(e));
  box.textContent = lines.join("\n");
  box.hidden = false;
}

function describeError(e) {
  const where = [e.stanza ? `[${e.stanza}]` : "", e.key].filter(Boolean).join(" ");
  return where ? `${where}: ${e.message}` : e.message;
}

function confText() {
  const text = $("conf-text").value;
  return text === S.savedText ? null : text;
}

function settingText(value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

// ---------------------------------------------------------------- syntax highlighting
const JSON_TOKEN = /("(?:\\.|[^"\\])*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b|([{}[\],:])/g;
const KV_TOKEN = /([A-Za-z_][\w.\-]*)(=)("[^"]*"|'[^']*'|[^\s,;]*)/g;

function highlightJSON(text) {
  let out = "", last = 0, m;
  JSON_TOKEN.lastIndex = 0;
  while ((m = JSON_TOKEN.exec(text)) !== null) {
    out += esc(text.slice(last, m.index));
    if (m[1] !== undefined) {
      out += m[2] !== undefined
        ? `<span class="j-key">${esc(m[1])}</span><span class="j-punc">${esc(m[2])}</span>`
        : `<span class="j-str">${esc(m[1])}</span>`;
    } else if (m[3] !== undefined) out += `<span class="j-num">${esc(m[3])}</span>`;
    else if (m[4] !== undefined) out += `<span class="j-lit">${m[4]}</span>`;
    else out += `<span class="j-punc">${esc(m[5])}</span>`;
    last = JSON_TOKEN.lastIndex;
  }
  return out + esc(text.slice(last));
}

function highlightKV(text) {
  let out = "", last = 0, m;
  KV_TOKEN.lastIndex = 0;
  while ((m = KV_TOKEN.exec(text)) !== null) {
    if (m[0].length === 0) { KV_TOKEN.lastIndex++; continue; }
    out += esc(text.slice(last, m.index));
    out += `<span class="kv-key">${esc(m[1])}</span><span class="kv-eq">=</span><span class="kv-val">${esc(m[3])}</span>`;
    last = KV_TOKEN.lastIndex;
  }
  return out + esc(text.slice(last));
}

function highlight(text, format, pretty) {
  if (format === "json") {
    if (pretty) { try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* keep raw */ } }
    return highlightJSON(text);
  }
  if (format === "kv") return highlightKV(text);
  return esc(text);
}

// ---------------------------------------------------------------- tabs and sample picker
function showTab(name) {
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const s of document.querySelectorAll(".tab")) s.classList.toggle("active", s.id === `tab-${name}`);
  const slot = document.querySelector(`#tab-${name} .live-slot`);
  if (slot && !slot.contains($("live"))) slot.appendChild($("live"));
  if (name === "histogram") recomputeHistogram();
  if (name === "preview") runPreview();
}

function currentSample() {
  return S.samples.find((s) => s.label === S.sample) || null;
}

function fillSamplePicker() {
  const pick = $("sample");
  const labels = S.samples.map((s) => s.label);
  if (!labels.includes(S.sample)) S.sample = labels[0] || "";
  pick.innerHTML = S.samples.map((s) =>
    `<option value="${esc(s.label)}">${esc(s.label)} · ${esc(s.generator)}</option>`).join("");
  pick.value = S.sample;
}

function sampleChanged() {
  S.sample = $("sample").value;
  renderLive();
  buildHistogramForm();
  resetDebugger();
  if ($("tab-histogram").classList.contains("active")) recomputeHistogram();
}

// ---------------------------------------------------------------- config tab
function applyView(view) {
  S.view = view;
  const bad = view.errors.length > 0;
  const status = $("status");
  status.textContent = bad ? `${view.errors.length} error${view.errors.length > 1 ? "s" : ""}` : "valid";
  status.className = "pill " + (bad ? "bad" : "ok");
  $("dirty").hidden = confText() === null;
  showSeed(view);
  if (!bad) {
    const before = S.sample;
    S.samples = view.samples;
    fillSamplePicker();
    if (before !== S.sample) renderLive();
    const keys = Array.from($("hist-params").querySelectorAll("[data-key]"), (f) => f.dataset.key).join();
    const sample = currentSample();
    if (before !== S.sample || !keys || (sample && sample.schedule_keys.join() !== keys)) buildHistogramForm(histOverrides());
    else refreshHistogramBase();
    renderFiles(view.files);
  }
  renderErrors(view);
  renderEffective(bad);
  renderStanzas(view.stanzas);
  showProjectMode(view.project);
  renderGutter();
}

const PROJECT_READ_ONLY = "an Eventum project's settings come from generator.yml: edit the YAML to change them";

function showProjectMode(project) {
  // an Eventum generator.yml: the editor holds the YAML, the stanzas are eventgen's translation of it (read-only),
  // and the time distribution's fields are a what-if that is never written back into the YAML
  $("editor-name").textContent = project ? "generator.yml (Eventum project)" : "eventgen.conf";
  $("stanzas-title").textContent = project ? "Stanzas eventgen makes of it (read-only)" : "Stanzas as written";
  $("save-conf").textContent = project ? "Save generator.yml" : "Save conf";
  $("hist-copy").hidden = Boolean(project);
  $("hist-note").textContent = project ? `changes redraw at once, never saved: ${PROJECT_READ_ONLY}`
    : "changes redraw at once; not saved until copied into the conf";
}

function renderErrors(view) {
  const list = $("errors");
  if (!view.errors.length) {
    list.innerHTML = `<li class="none">No errors: ${view.samples.length} enabled sample(s)</li>`;
  } else {
    list.innerHTML = view.errors.map((e, i) =>
      `<li data-error="${i}"><span class="where">${esc([e.stanza ? `[${e.stanza}]` : "", e.key].filter(Boolean).join(" ") || e.file)}</span>${esc(e.message)}</li>`).join("");
  }
  $("warnings").innerHTML = view.warnings.map((w) => `<li>${esc(w)}</li>`).join("");
}

function renderEffective(stale) {
  $("settings-note").textContent = stale ? "(from the last valid text)" : "after flattening; bold = not the default";
  const box = $("effective");
  box.classList.toggle("stale", stale);
  box.innerHTML = S.samples.map((s) => {
    const changed = new Set(s.changed);
    const all = $("show-all").checked;
    const rows = Object.entries(s.settings).filter(([k]) => all || changed.has(k)).map(([k, v]) =>
      `<tr class="${changed.has(k) ? "changed" : ""}" data-key="${esc(k)}"><td>${esc(k)}</td><td>${esc(settingText(v))}</td></tr>`).join("");
    const tokens = s.tokens.map((t) =>
      `<tr data-key="token.${t.number}"><td>token.${t.number}</td><td>${esc(t.token)} → ${esc(t.replacementType)}: ${esc(t.replacement)}</td></tr>`).join("");
    return `<details class="sample" data-sample="${esc(s.label)}" ${s.label === S.sample ? "open" : ""}>
      <summary>${esc(s.label)}<span class="meta">[${esc(s.stanza)}] generator=${esc(s.generator)} input=${esc(s.input)} rater=${esc(s.rater)}</span></summary>
      <table class="kv">${rows}${tokens}</table></details>`;
  }).join("") || `<p class="stale">No enabled samples.</p>`;
}

function renderStanzas(stanzas) {
  $("stanzas").innerHTML = Object.entries(stanzas || {}).map(([name, values]) => {
    const rows = Object.entries(values).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join("");
    return `<details class="sample"><summary>[${esc(name)}]<span class="meta">${Object.keys(values).length} key(s)</span></summary><table class="kv">${rows}</table></details>`;
  }).join("");
}

function errorLine(lines, error) {
  if (S.view && S.view.project) return yamlErrorLine(lines, error);
  if (!error.stanza) return -1;
  const header = lines.findIndex((l) => l.trim() === `[${error.stanza}]`);
  if (header < 0) return -1;
  if (!error.key) return header;
  for (let i = header + 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.startsWith("[")) break;
    const eq = line.indexOf("=");
    const key = eq >= 0 ? line.slice(0, eq).trim() : "";
    if (key === error.key || key.startsWith(error.key + ".")) return i;
  }
  return header;
}

function yamlErrorLine(lines, error) {
  // a project's errors name a line (`line 6: ...`) or a key path (`input[0].timer.secondz: unknown parameter`)
  const numbered = /^line (\d+):/.exec(error.message);
  if (numbered) return Number(numbered[1]) - 1;
  const path = /^([\w.\[\]-]+):/.exec(error.message);
  if (!path) return -1;
  const key = path[1].split(".").pop().replace(/\[\d+\]$/, "");
  const pattern = new RegExp(`(^|[\\s{,-])${key.replace(/[^\w]/g, "\\$&")}\\s*:`);
  return lines.findIndex((l) => !l.trim().startsWith("#") && pattern.test(l));
}

function renderGutter() {
  // long lines soft-wrap: each number gets the height its line takes, measured in a hidden mirror of the
  // textarea's text box (same font and width), so numbers stay level with their lines
  const area = $("conf-text");
  const lines = area.value.split("\n");
  const bad = new Set();
  for (const e of (S.view && S.view.errors) || []) bad.add(errorLine(lines, e));
  const mirror = $("conf-mirror");
  const style = getComputedStyle(area);
  mirror.style.width = `${area.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)}px`;
  mirror.innerHTML = lines.map((l) => `<div>${esc(l) || "&#8203;"}</div>`).join("");
  const heights = Array.from(mirror.children, (row) => row.getBoundingClientRect().height);
  mirror.innerHTML = "";
  $("conf-gutter").innerHTML = lines.map((_, i) => `<div style="height:${heights[i]}px">` +
    (bad.has(i) ? `<span class="err">${i + 1}</span>` : String(i + 1)) + "</div>").join("") +
    `<div style="height:40px"></div>`;
  syncGutter();
}

function syncGutter() { $("conf-gutter").scrollTop = $("conf-text").scrollTop; }

function jumpToLine(index) {
  const area = $("conf-text");
  const lines = area.value.split("\n");
  if (index < 0 || index >= lines.length) return;
  const start = lines.slice(0, index).reduce((n, l) => n + l.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + lines[index].length);
  const row = $("conf-gutter").children[index];
  area.scrollTop = Math.max(0, (row ? row.offsetTop : 0) - area.clientHeight / 3);
}

const validateSoon = debounce(async () => {
  try { applyView(await api("/api/config", { conf_text: $("conf-text").value })); }
  catch (err) { toast(err.message, true); }
}, LIVE_DELAY);

async function loadConfig() {
  const view = await api("/api/config");
  S.savedText = view.text;
  $("conf-text").value = view.text;
  applyView(view);
}

async function saveConf() {
  try {
    const result = await api("/api/save", { file: S.view.conf, content: $("conf-text").value });
    S.savedText = $("conf-text").value;
    toast(`Saved ${result.file}` + (result.backup ? ` (backup ${result.backup.split("/").pop()})` : ""));
    await loadConfig();
  } catch (err) {
    toast(`${err.message}${err.data && err.data.errors.length ? ": " + err.data.errors.map(describeError).join("; ") : ""}`, true);
  }
}

// ---------------------------------------------------------------- seed
// One seed for every render, shown in each tab's Seed box: the one in effect (--seed, else the conf's
// [global] seed) until the user types another; empty means unset, rendered with 0 (a run draws one at random).
function showSeed(view) {
  const placeholder = view.seed === null || view.seed === undefined ? "0" : String(view.seed);
  for (const box of document.querySelectorAll("input.seed")) box.placeholder = placeholder;
  if (S.seedEdited) return;
  const value = view.seed === null || view.seed === undefined || view.seed_source === "unset" ? "" : String(view.seed);
  const note = { "--seed": "from --seed", conf: "from the conf's [global] seed",
    unset: "no seed set: the studio renders with 0, a run picks one at random" }[view.seed_source] || "";
  for (const box of document.querySelectorAll("input.seed")) { box.value = value; box.title = note; }
}

function seedValue() {
  const seed = $("preview-seed").value;
  return seed === "" ? null : Number(seed);
}

function seedChanged(event) {
  S.seedEdited = true;
  for (const box of document.querySelectorAll("input.seed")) if (box !== event.target) box.value = event.target.value;
  liveSoon();
  if ($("tab-preview").classList.contains("active")) previewSoon();
  if ($("tab-histogram").classList.contains("active")) recomputeSoon();
  if ($("tab-debug").classList.contains("active")) resetDebugger();
}

// ---------------------------------------------------------------- live preview
function unsavedFiles() {
  // the file open in the Files tab, when its text differs from disk: previews render it unsaved
  if (!S.openFile || $("file-text").value === S.openFileText) return undefined;
  return { [S.openFile]: $("file-text").value };
}

function oneLine(err) {
  const errors = (err.data && err.data.errors) || [];
  let line = err.message;
  if (errors.length) line += `: ${describeError(errors[0])}` + (errors.length > 1 ? ` (+${errors.length - 1} more)` : "");
  return line.replace(/\s*\n\s*/g, " ");
}

async function renderLive() {
  const ticket = ++S.liveTicket;
  const box = $("live-error"), list = $("live-events");
  if (!S.sample) { list.innerHTML = ""; $("live-summary").textContent = "no enabled sample"; return; }
  const body = { sample: S.sample, n: LIVE_EVENTS, seed: seedValue(), conf_text: confText() };
  const files = unsavedFiles();
  if (files) body.files = files;
  try {
    const result = await api("/api/preview", body);
    if (ticket !== S.liveTicket) return; // a newer edit is being rendered
    box.hidden = true;
    box.textContent = "";
    list.classList.remove("stale");
    list.innerHTML = result.events.map((e, i) =>
      `<li><span class="stamp">${esc(result.times[i] || "")}</span><pre>${highlight(e, result.format, false)}</pre></li>`).join("");
    $("live-summary").textContent = `${result.sample} · first ${result.events.length} events` +
      (files ? " · unsaved file" : "") + (body.conf_text !== null ? " · unsaved conf" : "");
    $("live-summary").dataset.seed = String(result.seed);
  } catch (err) {
    if (ticket !== S.liveTicket) return;
    const line = oneLine(err);
    box.textContent = line;
    box.title = line;
    box.hidden = false;
    list.classList.add("stale");
  }
  $("live").dataset.renders = String(++S.liveRenders);
}
const liveSoon = debounce(renderLive, LIVE_DELAY);

// ---------------------------------------------------------------- preview tab
async function runPreview() {
  if (!S.sample) return;
  const ticket = (runPreview.ticket = (runPreview.ticket || 0) + 1);
  try {
    const result = await api("/api/preview", { sample: S.sample, n: Number($("preview-n").value || 10),
      seed: seedValue(), conf_text: confText(), files: unsavedFiles() });
    if (ticket !== runPreview.ticket) return; // a newer request is on its way
    showError("preview-error", null);
    const chosen = $("preview-format").value;
    const format = chosen === "auto" ? result.format : chosen;
    const pretty = $("preview-pretty").checked;
    $("preview-summary").textContent = `${result.events.length} events · ${result.sample} · format ${format}` +
      (chosen === "auto" ? " (detected)" : "") + (result.seed !== null ? ` · seed ${result.seed}` : "");
    $("preview-events").dataset.format = format;
    $("preview-events").innerHTML = result.events.map((e, i) =>
      `<li data-format="${format}"><span class="stamp">${esc(result.times[i] || "")}</span><pre>${highlight(e, format, pretty)}</pre></li>`).join("");
  } catch (err) {
    if (ticket !== runPreview.ticket) return;
    showError("preview-error", err);
    $("preview-events").innerHTML = "";
    $("preview-summary").textContent = "";
  }
}

const previewSoon = debounce(runPreview, LIVE_DELAY);

// ---------------------------------------------------------------- histogram tab
function buildHistogramForm(keep) {
  // the fields are the settings that apply to the sample's input and rater (`schedule_keys` from the
  // server); `keep` holds edits to carry over when the conf changed which settings apply
  const sample = currentSample();
  const form = $("hist-params");
  S.histBase = {};
  if (!sample) { form.innerHTML = ""; return; }
  if (!keep) {
    $("hist-start").value = sample.window.start;
    $("hist-end").value = sample.window.end;
  }
  form.dataset.input = sample.input;
  form.dataset.rater = sample.rater;
  form.innerHTML = sample.schedule_keys.map((key) => {
    S.histBase[key] = settingText(sample.settings[key]);
    const value = keep && key in keep ? keep[key] : S.histBase[key];
    const big = key.endsWith("Rate");
    const field = big
      ? `<textarea name="${esc(key)}" data-key="${esc(key)}" rows="2" placeholder="{}">${esc(value)}</textarea>`
      : `<input name="${esc(key)}" data-key="${esc(key)}" value="${esc(value)}">`;
    return `<label data-field="${esc(key)}">${esc(key)}${field}</label>`;
  }).join("");
}

function refreshHistogramBase() {
  // the conf changed: keep the user's edits, move untouched fields to the new effective values
  const sample = currentSample();
  if (!sample) return;
  for (const field of $("hist-params").querySelectorAll("[data-key]")) {
    const key = field.dataset.key;
    const value = settingText(sample.settings[key]);
    if (field.value === S.histBase[key]) field.value = value;
    S.histBase[key] = value;
  }
  markEdited();
}

function histOverrides() {
  const overrides = {};
  for (const field of $("hist-params").querySelectorAll("[data-key]")) {
    if (field.value !== S.histBase[field.dataset.key]) overrides[field.dataset.key] = field.value;
  }
  return overrides;
}

function markEdited() {
  const edited = histOverrides();
  for (const label of $("hist-params").querySelectorAll("label")) label.classList.toggle("edited", label.dataset.field in edited);
}

async function recomputeHistogram() {
  if (!S.sample) return;
  markEdited();
  const bins = $("hist-bins").value;
  const request = { sample: S.sample, start: $("hist-start").value, end: $("hist-end").value,
    bins: bins === "" ? null : Number(bins), overrides: histOverrides(), mode: $("hist-mode").value, seed: seedValue(),
    conf_text: confText() };
  const ticket = (recomputeHistogram.ticket = (recomputeHistogram.ticket || 0) + 1);
  try {
    const result = await api("/api/histogram", request);
    if (ticket !== recomputeHistogram.ticket) return; // a newer request is on its way
    showError("hist-error", null);
    drawHistogram(result);
    $("hist-summary").textContent = `${fmt(result.in_window)} events in window · ${result.ticks} ticks` +
      ` · ${result.input} / ${result.rater} · ${result.live ? "live" : "historical"}` + (result.truncated ? " · truncated (too many ticks)" : "");
  } catch (err) {
    if (ticket !== recomputeHistogram.ticket) return;
    showError("hist-error", err);
  }
}
const recomputeSoon = debounce(recomputeHistogram, 250);

function fmt(n) {
  return Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

function niceScale(value) {
  // y axis: a round step (1, 2, 2.5 or 5 x 10^k whole events) giving about five grid lines, and the
  // first multiple of it at or above the largest bar, so the top is never a whole step above the data
  const max = Math.max(1, value);
  const rough = max / 5;
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  let step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= rough);
  step = Math.max(1, step);
  if (!Number.isInteger(step)) step = Math.ceil(step);
  return { step, top: Math.ceil(max / step) * step };
}

function shortLabel(label, unit, spanSeconds) {
  if (unit === "second") return label.slice(11, 19);                // HH:MM:SS
  if (unit === "minute") return label.slice(11, 16);                // HH:MM
  if (unit === "hour") return spanSeconds <= 86400 * 1.1 ? label.slice(11, 16) : label.slice(5, 16);
  if (unit) return label.slice(0, 10);                              // days
  if (spanSeconds <= 2 * 86400) return label.slice(5, 16);   // MM-DD HH:MM
  if (spanSeconds <= 60 * 86400) return label.slice(5, 13) + "h";
  return label.slice(0, 10);
}

function binText(result, i) {
  const a = result.labels[i], b = result.labels[i + 1];
  const end = a.slice(0, 10) === b.slice(0, 10) ? b.slice(11) : b;
  const partial = (i === 0 && result.partial && result.partial[0]) ||
    (i === result.counts.length - 1 && result.partial && result.partial[1]);
  return { range: `${a} – ${end}`, partial };
}

function showTip(event) {
  const tip = $("hist-tip");
  const target = event.target.closest ? event.target.closest("rect[data-index]") : null;
  for (const hot of $("hist-chart").querySelectorAll("rect.bar.hot")) hot.classList.remove("hot");
  if (!target || !S.hist) { tip.hidden = true; return; }
  const i = Number(target.dataset.index);
  const bar = $("hist-chart").querySelector(`rect.bar[data-index="${i}"]`);
  bar.classList.add("hot");
  const { range, partial } = binText(S.hist, i);
  tip.innerHTML = `<b>${fmt(S.hist.counts[i])}</b> event${S.hist.counts[i] === 1 ? "" : "s"}<small>${esc(range)}</small>` +
    (partial ? `<small>only part of this ${esc(S.hist.unit || "bin")} is in the window</small>` : "");
  tip.hidden = false;
  const pane = tip.parentElement.getBoundingClientRect();
  const rect = target.getBoundingClientRect(), top = bar.getBoundingClientRect().top;
  let x = rect.left + rect.width / 2 - pane.left - tip.offsetWidth / 2;
  x = Math.max(4, Math.min(x, pane.width - tip.offsetWidth - 4));
  const y = Math.max(4, Math.min(top, event.clientY) - pane.top - tip.offsetHeight - 8 + (tip.parentElement.scrollTop || 0));
  tip.style.left = `${x}px`;
  tip.style.top = `${y}px`;
}

function drawHistogram(result) {
  const box = $("hist-chart");
  const W = Math.max(480, box.clientWidth), H = Math.max(320, box.clientHeight);
  const m = { left: 64, right: 16, top: 16, bottom: 58 };
  const plotW = W - m.left - m.right, plotH = H - m.top - m.bottom;
  const counts = result.counts, n = counts.length;
  const { step, top } = niceScale(Math.max(0, ...counts));
  const lines = top / step;
  S.hist = result;
  $("hist-tip").hidden = true;
  const slot = plotW / n, gap = n > 80 ? 0 : Math.min(4, slot * 0.15);
  const span = result.edges[n] - result.edges[0];
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" data-total="${result.in_window}" ` +
    `data-bins="${n}" data-top="${top}" data-step="${step}" data-unit="${esc(result.unit || "")}">`];
  for (let i = 0; i <= lines; i++) {
    const y = m.top + plotH - (plotH * i) / lines;
    parts.push(`<line class="grid" x1="${m.left}" x2="${W - m.right}" y1="${y}" y2="${y}"/>`);
    parts.push(`<text class="ytick" x="${m.left - 8}" y="${y + 4}" text-anchor="end">${fmt(step * i)}</text>`);
  }
  counts.forEach((count, i) => {
    const h = (plotH * count) / top;
    const x = m.left + i * slot + gap / 2;
    // an invisible full-height target (under the bar) so thin or empty bars still show their tooltip
    parts.push(`<rect class="hit" data-index="${i}" x="${(m.left + i * slot).toFixed(2)}" y="${m.top}" ` +
      `width="${slot.toFixed(2)}" height="${plotH}" fill="transparent"/>`);
    const { range, partial } = binText(result, i);
    parts.push(`<rect class="bar${partial ? " partial" : ""}" data-index="${i}" data-count="${count}" ` +
      `data-start="${esc(result.labels[i])}" aria-label="${esc(range)}: ${fmt(count)} events" ` +
      `x="${x.toFixed(2)}" y="${(m.top + plotH - h).toFixed(2)}" width="${Math.max(0.5, slot - gap).toFixed(2)}" ` +
      `height="${Math.max(h, 0).toFixed(2)}"/>`);
  });
  parts.push(`<line class="axis" x1="${m.left}" x2="${W - m.right}" y1="${m.top + plotH}" y2="${m.top + plotH}"/>`);
  parts.push(`<line class="axis" x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${m.top + plotH}"/>`);
  const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(plotW / 90))));
  for (let i = 0; i <= n; i += every) {
    const x = m.left + i * slot;
    parts.push(`<line class="axis" x1="${x}" x2="${x}" y1="${m.top + plotH}" y2="${m.top + plotH + 5}"/>`);
    parts.push(`<text class="xtick" data-edge="${i}" x="${x}" y="${m.top + plotH + 19}" text-anchor="middle">` +
      `${esc(shortLabel(result.labels[i], result.unit, span))}</text>`);
  }
  const per = result.unit ? `one bar per ${result.unit}` : `${fmt(span / n)} s per bin`;
  parts.push(`<text x="${m.left + plotW / 2}" y="${H - 8}" text-anchor="middle">event time (${esc(result.labels[0])} → ${esc(result.labels[n])}), ` +
    `${per} (${esc(result.tz || "")})</text>`);
  if (!counts.some((c) => c > 0)) parts.push(`<text class="empty" x="${m.left + plotW / 2}" y="${m.top + plotH / 2}" text-anchor="middle">no events in this window</text>`);
  parts.push("</svg>");
  box.innerHTML = parts.join("");
}

function copyEditsIntoConf() {
  if (S.view && S.view.project) { toast(`Not copied: ${PROJECT_READ_ONLY}`, true); return; }
  const sample = currentSample();
  const edits = histOverrides();
  if (!sample || !Object.keys(edits).length) { toast("Nothing edited"); return; }
  let text = $("conf-text").value;
  for (const [key, value] of Object.entries(edits)) text = setConfKey(text, sample.stanza, key, value);
  $("conf-text").value = text;
  toast(`Copied ${Object.keys(edits).join(", ")} into [${sample.stanza}]: save the conf to keep them`);
  validateSoon();
  liveSoon();
  renderGutter();
}

function setConfKey(text, stanza, key, value) {
  const lines = text.split("\n");
  const header = lines.findIndex((l) => l.trim() === `[${stanza}]`);
  if (header < 0) return text.replace(/\n*$/, "\n") + `\n[${stanza}]\n${key} = ${value}\n`;
  let end = lines.length, lastValue = header;
  for (let i = header + 1; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.startsWith("[")) { end = i; break; }
    if (line && !line.startsWith("#") && !line.startsWith(";")) lastValue = i;
    const eq = line.indexOf("=");
    if (eq > 0 && line.slice(0, eq).trim() === key) { lines[i] = `${key} = ${value}`; return lines.join("\n"); }
  }
  lines.splice(Math.min(lastValue + 1, end), 0, `${key} = ${value}`);
  return lines.join("\n");
}

// ---------------------------------------------------------------- debugger tab
function resetDebugger() {
  S.steps = [];
  S.current = -1;
  $("debug-steps").innerHTML = "";
  $("debug-state").innerHTML = "";
  $("debug-current").textContent = "–";
  $("debug-summary").textContent = S.sample ? `${S.sample}: press Step to render the first event` : "";
  showError("debug-error", null);
}

async function debugStep(count) {
  if (!S.sample) return;
  try {
    const result = await api("/api/debug/step", { sample: S.sample, steps: S.steps.length + count,
      seed: seedValue(), conf_text: confText(), files: unsavedFiles() });
    S.steps = result.steps;
    S.current = S.steps.length - 1;
    renderSteps();
    $("debug-summary").textContent = `${S.steps.length} render(s) of ${result.sample} · generator ${result.generator}`;
    if (result.error) showError("debug-error", new Error(`render ${result.error.step} failed: ${result.error.message}`));
    else showError("debug-error", null);
  } catch (err) {
    showError("debug-error", err);
  }
}

function renderSteps() {
  $("debug-steps").innerHTML = S.steps.map((s, i) =>
    `<li data-step="${s.step}" class="${i === S.current ? "current" : ""}"><span class="stamp">${esc(s.time || "")}</span>` +
    s.events.map((e) => `<pre>${highlight(e, detectFormat(e), false)}</pre>`).join("") + "</li>").join("");
  renderState();
  const current = $("debug-steps").querySelector("li.current");
  if (current) current.scrollIntoView({ block: "nearest" });
}

function detectFormat(text) {
  const t = text.trim();
  if (t.startsWith("{") || t.startsWith("[")) { try { JSON.parse(t); return "json"; } catch (e) { /* not JSON */ } }
  KV_TOKEN.lastIndex = 0;
  return (t.match(KV_TOKEN) || []).length >= 2 ? "kv" : "plain";
}

function scopesOf(state) {
  const named = ["locals", "shared", "globals"];
  const scopes = {};
  if (named.some((k) => k in state)) {
    for (const k of named) scopes[k] = state[k] || {};
    const rest = Object.fromEntries(Object.entries(state).filter(([k]) => !named.includes(k)));
    if (Object.keys(rest).length) scopes.other = rest;
  } else if (Object.keys(state).length) {
    scopes.state = state;
  }
  return scopes;
}

function renderState() {
  const box = $("debug-state");
  const step = S.steps[S.current];
  if (!step) { box.innerHTML = ""; $("debug-current").textContent = "–"; return; }
  $("debug-current").textContent = `#${step.step}`;
  const before = S.current > 0 ? scopesOf(S.steps[S.current - 1].state) : {};
  const scopes = scopesOf(step.state);
  if (!Object.keys(scopes).length) {
    box.innerHTML = `<div class="scope"><div class="empty">This generator keeps no state (preview_state() is empty).</div></div>`;
    return;
  }
  box.innerHTML = Object.entries(scopes).map(([scope, values]) => {
    const entries = typeof values === "object" && values !== null && !Array.isArray(values) ? Object.entries(values) : [["value", values]];
    const prior = before[scope] || {};
    const rows = entries.map(([k, v]) => {
      const text = JSON.stringify(v);
      const changed = S.current > 0 && JSON.stringify(prior[k]) !== text;
      return `<tr data-scope="${esc(scope)}" data-key="${esc(k)}" class="${changed ? "changed" : ""}"><td class="k">${esc(k)}</td>` +
        `<td class="v">${highlightJSON(text === undefined ? "undefined" : text)}</td></tr>`;
    }).join("");
    return `<div class="scope" data-scope="${esc(scope)}"><h3>${esc(scope)}</h3>` +
      (rows ? `<table>${rows}</table>` : `<div class="empty">empty</div>`) + "</div>";
  }).join("");
}

// ---------------------------------------------------------------- files tab
function renderFiles(files) {
  const conf = S.view.conf;
  const list = files.filter((f) => f !== conf);
  const folder = conf.slice(0, conf.lastIndexOf("/") + 1);
  $("file-list").innerHTML = list.map((f) =>
    `<li data-file="${esc(f)}" class="${f === S.openFile ? "open" : ""}">${esc(f.startsWith(folder) ? f.slice(folder.length) : f)}` +
    `<small>${esc(f)}</small></li>`).join("") || `<li><small>No sample or template files.</small></li>`;
}

async function openFile(path) {
  if (S.openFile && $("file-text").value !== S.openFileText && !confirm("Discard unsaved changes to this file?")) return;
  try {
    const result = await api(`/api/file?path=${encodeURIComponent(path)}`);
    S.openFile = result.file;
    S.openFileText = result.content;
    $("file-name").textContent = result.file;
    $("file-text").value = result.content;
    $("file-text").disabled = false;
    $("file-save").disabled = false;
    $("file-message").textContent = "";
    for (const li of $("file-list").children) li.classList.toggle("open", li.dataset.file === result.file);
  } catch (err) { toast(err.message, true); }
}

async function saveFile() {
  const message = $("file-message");
  try {
    const result = await api("/api/save", { file: S.openFile, content: $("file-text").value });
    S.openFileText = $("file-text").value;
    renderLive();
    message.className = "message ok";
    message.textContent = `Saved ${result.file}` + (result.backup ? `; backup ${result.backup}` : "");
  } catch (err) {
    message.className = "message bad";
    message.textContent = [err.message, ...((err.data && err.data.errors) || []).map(describeError)].join("\n");
  }
}

// ---------------------------------------------------------------- wiring
function wire() {
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));
  $("sample").addEventListener("change", sampleChanged);
  $("show-all").addEventListener("change", () => renderEffective(S.view.errors.length > 0));
  const area = $("conf-text");
  area.addEventListener("input", () => { $("dirty").hidden = confText() === null; renderGutter(); validateSoon(); liveSoon(); });
  $("file-text").addEventListener("input", liveSoon);
  for (const box of document.querySelectorAll("input.seed")) box.addEventListener("input", seedChanged);
  window.addEventListener("resize", debounce(renderGutter, 150));
  area.addEventListener("scroll", syncGutter);
  area.addEventListener("keydown", (e) => {
    if (e.key === "Tab") { e.preventDefault(); document.execCommand("insertText", false, "    "); }
    if ((e.ctrlKey || e.metaKey) && e.key === "s") { e.preventDefault(); saveConf(); }
  });
  $("errors").addEventListener("click", (e) => {
    const li = e.target.closest("li[data-error]");
    if (li) jumpToLine(errorLine(area.value.split("\n"), S.view.errors[Number(li.dataset.error)]));
  });
  $("save-conf").addEventListener("click", saveConf);
  $("preview-run").addEventListener("click", runPreview);
  for (const id of ["preview-format", "preview-pretty"]) $(id).addEventListener("change", runPreview);
  $("hist-run").addEventListener("click", recomputeHistogram);
  $("hist-params").addEventListener("input", recomputeSoon);
  for (const id of ["hist-start", "hist-end", "hist-bins", "hist-mode"]) $(id).addEventListener("input", recomputeSoon);
  $("hist-chart").addEventListener("mousemove", showTip);
  $("hist-chart").addEventListener("mouseleave", () => { $("hist-tip").hidden = true; });
  $("hist-copy").addEventListener("click", copyEditsIntoConf);
  $("hist-reset").addEventListener("click", () => { buildHistogramForm(); recomputeHistogram(); });
  window.addEventListener("resize", debounce(() => { if ($("tab-histogram").classList.contains("active")) recomputeHistogram(); }, 200));
  $("debug-reset").addEventListener("click", resetDebugger);
  $("debug-step").addEventListener("click", () => debugStep(1));
  $("debug-step10").addEventListener("click", () => debugStep(10));
  $("debug-steps").addEventListener("click", (e) => {
    const li = e.target.closest("li[data-step]");
    if (!li) return;
    S.current = Number(li.dataset.step) - 1;
    renderSteps();
  });
  $("file-list").addEventListener("click", (e) => { const li = e.target.closest("li[data-file]"); if (li) openFile(li.dataset.file); });
  $("file-save").addEventListener("click", saveFile);
  window.addEventListener("beforeunload", (e) => { if (confText() !== null) e.preventDefault(); });
}

wire();
loadConfig().then(() => { resetDebugger(); renderLive(); document.body.dataset.ready = "1"; })
  .catch((err) => { $("status").textContent = "failed to load"; $("status").className = "pill bad"; toast(err.message, true); });
