// livebot dashboard, first page: every room with its state and figures, each opening its page.
"use strict";

const $ = (sel) => document.querySelector(sel);

function cell(tr, value, cls) {
  const td = document.createElement("td");
  if (value instanceof Node) td.appendChild(value); else td.textContent = value === null || value === undefined ? "–" : String(value);
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function link(href, label, cls) {
  const a = document.createElement("a");
  a.href = href; a.textContent = label;
  if (cls) a.className = cls;
  return a;
}

function when(iso) { return iso ? iso.slice(0, 16).replace("T", " ") + " UTC" : null; }

function plural(n, word) { return `${n} ${word}${n === 1 ? "" : "s"}`; }

function sessionLinks(r) {
  // the room's sessions, newest first; restarts say so
  const span = document.createElement("span");
  span.className = "session-links";
  for (const s of r.sessions) {
    const label = `#${s.id}` + (s.attempt > 1 ? ` (restart ${s.attempt - 1})` : "");
    span.appendChild(link(`/session/${s.id}`, label, "session-link"));
    span.appendChild(document.createTextNode(" "));
  }
  return span;
}

function roomRow(r) {
  const tr = document.createElement("tr");
  tr.dataset.room = r.room === null ? "" : r.room;
  tr.dataset.session = r.session_id === null ? "" : String(r.session_id);
  const name = r.room !== null ? r.room : `session #${r.session_id} · ${r.source}`;
  cell(tr, r.session_id !== null ? link(`/session/${r.session_id}`, name, "room-link") : name, "name");
  const pill = document.createElement("span");
  pill.className = "pill " + r.state.replace(/ /g, "_");
  pill.textContent = r.state;
  if (r.heartbeat_age_s !== null) pill.title = `last heartbeat ${Math.round(r.heartbeat_age_s)} s ago (${r.fleet_state})`;
  cell(tr, pill, "state");
  cell(tr, r.viewers, "viewers");
  cell(tr, r.replies, "replies");
  cell(tr, r.orders, "orders");
  cell(tr, when(r.started), "started");
  cell(tr, sessionLinks(r), "sessions");
  cell(tr, r.last_error, "error");
  return tr;
}

async function loadRooms() {
  try {
    const r = await fetch("/api/rooms", { credentials: "same-origin" });
    if (!r.ok) throw new Error(`/api/rooms: ${r.status}`);
    const { rooms } = await r.json();
    $("#rooms tbody").replaceChildren(...rooms.map(roomRow));
    const named = rooms.filter((x) => x.room !== null).length;
    $("#rooms-summary").textContent = `${plural(named, "room")} · ${plural(rooms.length - named, "session")} without a room`;
  } catch (e) {
    $("#rooms-summary").textContent = `dashboard offline (${e.message})`;
  }
  document.body.dataset.loaded = "1";
}

loadRooms();
setInterval(loadRooms, 3000);
