// Member chat widget: talks to the Rasa REST channel, shows the live status banner.
// All bot text is inserted with textContent (never innerHTML), so nothing it says can run.
(() => {
  "use strict";
  const meta = document.querySelector('meta[name="rasa-url"]');
  const RASA = (meta && meta.content) || `${location.protocol}//${location.hostname}:5005`;
  const WEBHOOK = `${RASA}/webhooks/rest/webhook`;
  const KEY_SENDER = "plan-chat-sender";
  const KEY_LOG = "plan-chat-log";

  const log = document.getElementById("chat-log");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const send = document.getElementById("send");
  const banner = document.getElementById("status-banner");
  const error = document.getElementById("chat-error");

  const newId = () => (crypto.randomUUID ? crypto.randomUUID()
    : `s-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  let sender = localStorage.getItem(KEY_SENDER) || newId();
  localStorage.setItem(KEY_SENDER, sender);
  let history = JSON.parse(sessionStorage.getItem(KEY_LOG) || "[]");

  function save() { sessionStorage.setItem(KEY_LOG, JSON.stringify(history)); }

  function render(entry, live) {
    const item = document.createElement("li");
    item.className = entry.from === "bot" ? "bot" : "me";
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = entry.from === "bot" ? "Assistant says:" : "You said:";
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = entry.text || "";
    item.append(who, bubble);
    if (live && entry.buttons && entry.buttons.length) {
      const choices = document.createElement("div");
      choices.className = "choices";
      choices.setAttribute("role", "group");
      choices.setAttribute("aria-label", "Suggested answers");
      for (const b of entry.buttons) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", () => {
          choices.remove();
          ask(b.payload, b.title);
        });
        choices.append(button);
      }
      item.append(choices);
    }
    log.append(item);
    log.scrollTop = log.scrollHeight;
  }

  function add(entry, live = true) {
    history.push({ from: entry.from, text: entry.text });
    save();
    render(entry, live);
  }

  async function ask(message, shown) {
    error.hidden = true;
    if (shown !== null) add({ from: "me", text: shown ?? message });
    send.disabled = true;
    try {
      const response = await fetch(WEBHOOK, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender, message }),
      });
      if (!response.ok) throw new Error(`status ${response.status}`);
      const replies = await response.json();
      for (const r of replies) {
        if (r.text || (r.buttons && r.buttons.length)) {
          add({ from: "bot", text: r.text || "", buttons: r.buttons || [] });
        }
      }
    } catch (e) {
      error.textContent = "Sorry, the assistant can't be reached right now. Please try again, or see the notice at the top of this page.";
      error.hidden = false;
    } finally {
      send.disabled = false;
    }
  }

  async function loadBanner() {
    try {
      // Revalidate every time (cheap 304 via ETag): a stale banner is worse than none.
      const response = await fetch("/status.json", {
        cache: "no-cache", headers: { Accept: "application/json" },
      });
      if (!response.ok) return;
      const status = await response.json();
      const incidents = status.incidents || [];
      banner.replaceChildren();
      if (!incidents.length) { banner.hidden = true; return; }
      for (const incident of incidents) {
        const title = document.createElement("strong");
        title.textContent = incident.title;
        const summary = document.createElement("span");
        summary.textContent = incident.summary || "";
        banner.append(title, summary);
      }
      banner.hidden = false;
    } catch (e) { banner.hidden = true; }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    ask(text);
    input.focus();
  });

  document.getElementById("start-over").addEventListener("click", () => {
    sender = newId();
    localStorage.setItem(KEY_SENDER, sender);
    history = [];
    save();
    log.replaceChildren();
    ask("/greet", null);
    input.focus();
  });

  loadBanner();
  setInterval(loadBanner, 30000);
  if (history.length) {
    for (const entry of history) render(entry, false);
  } else {
    ask("/greet", null);
  }
})();
