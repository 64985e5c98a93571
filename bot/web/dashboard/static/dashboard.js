// livebot dashboard, one session's page (/session/ID): polls the JSON endpoints, draws the numbers,
// lists the other sessions of the same room (older runs, restarts), sends moderator actions.
"use strict";

const $ = (sel) => document.querySelector(sel);
const pageSession = decodeURIComponent(location.pathname.split("/")[2] || "last");
let shownSession = null;
let liveTarget = null; // what the live view follows: the room's name (its newest session) or a session id

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
    const live = await getJSON(liveTarget === null ? "/api/live" : `/api/live?session=${encodeURIComponent(liveTarget)}`);
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
  const restart = rep.session.attempt > 1 ? ` · restart ${rep.session.attempt - 1}` : "";
  text($("#room-label"), rep.session.room ? `room ${rep.session.room}` : "");
  text($("#session-label"), `session ${rep.session.id} · ${rep.session.source}${restart}`);
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

function sessionOption(s) {
  const o = document.createElement("option");
  const restart = s.attempt > 1 ? ` · restart ${s.attempt - 1}` : "";
  o.value = s.id;
  o.textContent = `#${s.id} ${s.room || s.source}${restart} (${s.started.slice(0, 16).replace("T", " ")})`;
  return o;
}

async function loadSessions() {
  try {
    await showReport(pageSession);
    const all = await getJSON("/api/sessions");
    const room = all.find((s) => s.id === shownSession)?.room ?? null;
    // a room's page lists that room's sessions; a session run without a room lists the others without one
    const mine = all.filter((s) => (s.room ?? null) === room);
    $("#session-select").replaceChildren(...mine.map(sessionOption));
    $("#session-select").value = String(shownSession);
    liveTarget = room !== null ? room : shownSession;
  } catch (e) {
    text($("#session-label"), `session ${pageSession}: ${e.message}`);
  }
  await pollLive();
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
$("#session-select").addEventListener("change", (e) => {
  history.replaceState(null, "", `/session/${e.target.value}`);
  showReport(e.target.value);
});
loadSessions();
setInterval(pollLive, 2000);
