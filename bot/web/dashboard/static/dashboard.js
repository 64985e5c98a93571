// livebot dashboard: polls the JSON endpoints, draws the numbers, sends moderator actions.
"use strict";

const $ = (sel) => document.querySelector(sel);
let shownSession = null;

async function getJSON(url) {
  const r = await fetch(url, { credentials: "same-origin" });
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return r.json();
}

function text(el, value) { el.textContent = value === null || value === undefined ? "–" : String(value); }

function replyLine(r) {
  const who = r.trigger && r.trigger.user ? (r.trigger.user.nickname || r.trigger.user.unique_id) : "";
  const asked = r.trigger && r.trigger.text ? ` ← ${who}: “${r.trigger.text}”` : (who ? ` ← ${who}` : "");
  const lat = r.latency_ms !== null ? ` (${Math.round(r.latency_ms)} ms)` : "";
  return `[${r.kind}] ${r.text}${asked}${lat}`;
}

async function pollLive() {
  try {
    const live = await getJSON("/api/live");
    const h = live.health ? live.health.state : (live.session ? "no connection events" : "no session");
    const pill = $("#health");
    text(pill, h);
    pill.className = "pill " + h;
    text($("#current-line"), live.current ? live.current.text : "–");
    const recent = $("#recent");
    recent.replaceChildren(...live.recent.map((r) => { const li = document.createElement("li"); li.textContent = replyLine(r); return li; }));
    const c = live.control || {};
    text($("#control-status"), c.ok ? "control API: " + JSON.stringify(c.response) : "control API: " + (c.error || "unknown"));
  } catch (e) {
    text($("#health"), "dashboard offline");
  }
}

function funnel(summary) {
  const steps = [["viewers", summary.viewers], ["comments", summary.comments], ["answered", summary.answered],
                 ["buyers", summary.buyers]];
  const max = Math.max(1, ...steps.map((s) => s[1] || 0));
  $("#funnel").replaceChildren(...steps.map(([label, n]) => {
    const row = document.createElement("div");
    row.className = "bar";
    row.innerHTML = `<b></b><i style="width:${Math.round(((n || 0) / max) * 60)}%"></i><span></span>`;
    row.querySelector("b").textContent = label;
    row.querySelector("span").textContent = n;
    return row;
  }));
}

async function showReport(session) {
  const rep = await getJSON(`/api/report/${session}`);
  shownSession = rep.session.id;
  const s = rep.summary;
  text($("#session-label"), `session ${rep.session.id} · ${rep.session.source}`);
  text($("#stat-viewers"), s.viewers);
  text($("#stat-comments"), s.comments);
  text($("#stat-answered"), s.answered_share === null ? null : Math.round(s.answered_share * 100) + "%");
  text($("#stat-p50"), s.latency_ms_p50 === null ? null : Math.round(s.latency_ms_p50));
  text($("#stat-orders"), s.orders);
  text($("#stat-revenue"), Object.values(s.revenue_text).join(" + ") || "0");
  funnel(s);
  const body = $("#products tbody");
  body.replaceChildren(...s.products.map((p) => {
    const tr = document.createElement("tr");
    for (const v of [p.sku, p.name, p.questions, p.pitches, p.pins, p.orders, p.units, p.revenue_text]) {
      const td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
    }
    return tr;
  }));
  const stamp = Date.now();
  $("#charts").replaceChildren(...["latency", "kinds", "products"].map((c) => {
    const img = document.createElement("img");
    img.alt = c; img.src = `/api/chart/${rep.session.id}/${c}.png?v=${stamp}`;
    return img;
  }));
}

async function loadSessions() {
  const sessions = await getJSON("/api/sessions");
  const sel = $("#session-select");
  sel.replaceChildren(...sessions.map((s) => {
    const o = document.createElement("option");
    o.value = s.id; o.textContent = `#${s.id} ${s.source} (${s.started.slice(0, 16).replace("T", " ")})`;
    return o;
  }));
  if (sessions.length) await showReport(shownSession || sessions[0].id);
  document.body.dataset.loaded = "1";
}

async function sendControl(action) {
  const body = {};
  if (action === "say" || action === "answer") body.text = $("#say-text").value;
  if (action === "product") body.sku = $("#product-sku").value;
  if (action === "block") body.user = $("#block-user").value;
  const r = await fetch(`/api/control/${action}`, { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const res = await r.json();
  text($("#control-status"), `${action}: ` + (res.ok ? "sent" : "failed — " + (res.error || r.status)));
}

document.querySelectorAll("button[data-action]").forEach((b) => b.addEventListener("click", () => sendControl(b.dataset.action)));
$("#session-select").addEventListener("change", (e) => showReport(e.target.value));
loadSessions();
pollLive();
setInterval(pollLive, 2000);
