// Agent lookup: what the assistant would answer, why, and the live routing behind it.
(() => {
  "use strict";
  const KEY = "agent-token";
  const tokenForm = document.getElementById("token-form");
  const lookupForm = document.getElementById("lookup-form");
  const error = document.getElementById("agent-error");
  const result = document.getElementById("result");
  const $ = (id) => document.getElementById(id);

  function showTokenForm(show) {
    tokenForm.hidden = !show;
    lookupForm.hidden = show;
    (show ? $("token") : $("said")).focus();
  }

  function fail(message) { error.textContent = message; error.hidden = false; }

  function cell(text) { const td = document.createElement("td"); td.textContent = text; return td; }

  function show(view) {
    const names = { en: "English", es: "Español (Spanish)" };
    $("language").textContent = names[view.language] || view.language;
    $("answer").lang = view.language || "en";
    $("answer").textContent = view.answer || "(small talk: the assistant answers this itself)";
    const english = (view.answers || {}).en;
    $("english").hidden = view.language === "en" || !english;
    $("answer-en").textContent = english || "";
    $("intent").textContent = view.intent;
    $("confidence").textContent = Number(view.confidence).toFixed(2);
    $("as-of").textContent = view.as_of;
    $("topic").textContent = view.topic;
    const body = document.querySelector("#routing tbody");
    body.replaceChildren();
    for (const row of view.routing) {
      const tr = document.createElement("tr");
      if (row.offered) tr.className = "offered";
      else if (row.status === "down") tr.className = "down";
      tr.append(cell(String(row.position)), cell(row.name + (row.offered ? " (offered)" : "")),
        cell(row.status),
        cell(row.note && !row.how.includes(row.note) ? `${row.note} — ${row.how}` : row.how));
      body.append(tr);
    }
    const incidents = $("incidents");
    incidents.replaceChildren();
    if (!view.incidents.length) incidents.textContent = "No active incidents.";
    for (const incident of view.incidents) {
      const title = document.createElement("p");
      title.textContent = `${incident.title} — ${incident.status}, since ${incident.started_at}`;
      const list = document.createElement("ul");
      list.className = "timeline";
      for (const update of incident.timeline) {
        const li = document.createElement("li");
        li.textContent = `${update.at}: ${update.body}`;
        list.append(li);
      }
      incidents.append(title, list);
    }
    const fresh = $("freshness");
    fresh.replaceChildren();
    for (const note of view.freshness) {
      const li = document.createElement("li");
      li.textContent = note;
      fresh.append(li);
    }
    result.hidden = false;
  }

  tokenForm.addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY, $("token").value.trim());
    $("token").value = "";
    showTokenForm(false);
  });

  $("forget").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    result.hidden = true;
    showTokenForm(true);
  });

  lookupForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    const params = new URLSearchParams({ text: $("said").value.trim(), audience: $("audience").value });
    if ($("caller-language").value) params.set("language", $("caller-language").value);
    try {
      const response = await fetch(`/api/lookup?${params}`, {
        headers: { Authorization: `Bearer ${sessionStorage.getItem(KEY) || ""}` },
      });
      const body = await response.json();
      if (response.status === 401) { showTokenForm(true); return fail("That token was not accepted."); }
      if (!response.ok) return fail((body.error && body.error.message) || `Error ${response.status}`);
      show(body);
    } catch (err) {
      fail("The lookup service can't be reached right now.");
    }
  });

  showTokenForm(!sessionStorage.getItem(KEY));
})();
