// Incident dashboard: what people are asking now (/api/stats), drawn as plain SVG bars.
// Member-typed phrasings arrive redacted and are only ever set as text, never as markup.
(() => {
  "use strict";
  const KEY = "agent-token"; // the same sign-in as the agent lookup page
  const SVG = "http://www.w3.org/2000/svg";
  const REFRESH_MS = 60000;
  const $ = (id) => document.getElementById(id);
  const tokenForm = $("token-form");
  const controls = $("controls");
  const error = $("dash-error");
  let timer = null;

  function showTokenForm(show) {
    tokenForm.hidden = !show;
    controls.hidden = show;
    if (show) $("token").focus();
  }

  function fail(message) { error.textContent = message; error.hidden = false; }

  function svg(tag, attrs, text) {
    const el = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function bar(value, largest, kind) {
    const width = 180, height = 14;
    const chart = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, "aria-hidden": "true" });
    const filled = largest ? Math.max(value ? 2 : 0, Math.round((width * value) / largest)) : 0;
    chart.append(svg("rect", { x: 0, y: 0, width: filled, height, class: kind || "bar" }));
    return chart;
  }

  function cell(content) {
    const td = document.createElement("td");
    if (typeof content === "string") td.textContent = content; else td.append(content);
    return td;
  }

  function fill(id, rows) {
    const body = document.querySelector(`#${id} tbody`);
    body.replaceChildren(...rows.map((cells) => {
      const tr = document.createElement("tr");
      tr.append(...cells.map(cell));
      return tr;
    }));
  }

  // "2023-11-28T10:00:00-05:00" -> "Nov 28 10:00", in the plan's zone (the offset it carries).
  function hourLabel(iso) {
    const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    return `${months[Number(iso.slice(5, 7)) - 1]} ${Number(iso.slice(8, 10))} ${iso.slice(11, 16)}`;
  }

  function perHour(hours) {
    const box = $("per-hour");
    if (!hours.length) { box.textContent = "No messages in this window."; return; }
    const col = Math.max(6, Math.min(28, Math.floor(720 / hours.length)));
    const height = 120, width = col * hours.length;
    const largest = Math.max(1, ...hours.map((h) => h.messages));
    const chart = svg("svg", { width, height: height + 18, viewBox: `0 0 ${width} ${height + 18}`,
      role: "img", "aria-label": "Messages per hour" });
    hours.forEach((h, i) => {
      const tall = Math.round((height * h.messages) / largest);
      const rect = svg("rect", { x: i * col + 1, y: height - tall, width: col - 2, height: tall, class: "bar" });
      const topics = Object.entries(h.topics).map(([k, n]) => `${k} ${n}`).join(", ");
      rect.append(svg("title", {}, `${hourLabel(h.start)}: ${h.messages} messages${topics ? ` (${topics})` : ""}`));
      chart.append(rect);
    });
    chart.append(svg("text", { x: 0, y: height + 14, class: "axis" }, hourLabel(hours[0].start)));
    chart.append(svg("text", { x: width, y: height + 14, class: "axis end" }, hourLabel(hours[hours.length - 1].start)));
    box.replaceChildren(chart);
  }

  function show(view) {
    const scope = view.window === "incident"
      ? `Since ${view.since}, when the current incident began: ${view.incidents.map((i) => i.title).join("; ")}.`
      : `The last ${view.hours} hours (since ${view.since}).`;
    $("window").textContent = `${scope} As of ${view.now}.`;
    $("messages").textContent = String(view.messages);
    const share = view.fallback.share;
    $("fallback").textContent = share === null ? "0"
      : `${view.fallback.messages} (${Math.round(share * 100)} %)`;
    const median = view.reply_seconds.median;
    $("reply").textContent = median === null ? "n/a" : `${median.toFixed(2)} s`;
    $("answers").textContent = String(view.answers);
    perHour(view.per_hour);
    const most = Math.max(0, ...view.topics.map((t) => t.messages));
    fill("topics", view.topics.map((t) => [t.label, String(t.messages), bar(t.messages, most)]));
    fill("unrecognised", view.unrecognised.map((g) => [String(g.count), g.text,
      g.guess ? `${g.intent} (maybe ${g.guess})` : g.intent]));
    const offered = Math.max(0, ...view.channels.map((c) => Math.max(c.offered, c.said_down)));
    fill("channels", view.channels.map((c) => [c.name, c.status,
      labelled(c.offered, bar(c.offered, offered)), labelled(c.said_down, bar(c.said_down, offered, "bar down"))]));
    $("report").hidden = false;
  }

  function labelled(value, chart) {
    const span = document.createElement("span");
    span.className = "count";
    span.append(`${value} `, chart);
    return span;
  }

  async function load() {
    error.hidden = true;
    const hours = $("hours").value;
    try {
      const response = await fetch(`/api/stats${hours ? `?hours=${hours}` : ""}`, {
        headers: { Authorization: `Bearer ${sessionStorage.getItem(KEY) || ""}` },
      });
      const body = await response.json();
      if (response.status === 401) { showTokenForm(true); return fail("That token was not accepted."); }
      if (!response.ok) return fail((body.error && body.error.message) || `Error ${response.status}`);
      $("notice").hidden = body.available;
      if (!body.available) { $("notice").textContent = body.message; $("report").hidden = true; return; }
      show(body);
    } catch (err) {
      fail("The operations service can't be reached right now.");
    }
  }

  // The plan's outgoing emails, IVR prompts and snippets held because a channel they name is down.
  async function loadHeld() {
    try {
      const response = await fetch("/api/messages?held=true", {
        headers: { Authorization: `Bearer ${sessionStorage.getItem(KEY) || ""}` },
      });
      if (!response.ok) { $("held").hidden = true; return; }
      const held = await response.json();
      fill("held-list", held.map((m) => [`${m.name} (${m.key})`, m.kind.replace("_", " "), m.owner,
        m.blocked_now.length ? m.held_reason
          : `${m.held_reason} Now: every channel it names is working again; an editor may release it.`]));
      $("held-list").hidden = !held.length;
      $("held-none").hidden = held.length > 0;
      $("held").hidden = false;
    } catch (err) {
      $("held").hidden = true;
    }
  }

  function start() {
    clearInterval(timer);
    load();
    loadHeld();
    timer = setInterval(() => { load(); loadHeld(); }, REFRESH_MS);
  }

  tokenForm.addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY, $("token").value.trim());
    $("token").value = "";
    showTokenForm(false);
    start();
  });

  controls.addEventListener("submit", (e) => { e.preventDefault(); start(); });
  $("hours").addEventListener("change", start);

  $("forget").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    clearInterval(timer);
    $("report").hidden = true;
    $("held").hidden = true;
    showTokenForm(true);
  });

  if (sessionStorage.getItem(KEY)) { showTokenForm(false); start(); } else showTokenForm(true);
})();
