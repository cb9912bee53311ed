// The member chat widget. One tag on any page adds a launcher (bottom-right) and a chat panel:
//   <script src="https://<operations service>/static/widget.js" defer></script>
// The member chat page (/chat) uses it always open: an element with `data-plan-chat` on the
// page is where the panel goes, with no launcher.
//
// It talks to Rasa's REST channel and reads /status.json from the service that served this
// file. Everything the assistant or the store says is inserted as text (never as HTML); the
// only links are the numbers and addresses of channels /status.json says work right now.
// Its own styles (widget.css) live in a shadow root, so the host page's CSS can't reach in.
((start) => {
  // Which tag loaded this is known only now; the page may still be loading (no defer).
  const script = document.currentScript;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => start(script));
  } else {
    start(script);
  }
})((script) => {
  "use strict";
  if (window.__planChatWidget) return;
  window.__planChatWidget = true;

  // Filled in by the operations service (bot/web/pages.py) with BOT_PUBLIC_RASA_URL.
  const SERVED_RASA_URL = "";
  const SRC = new URL(script ? script.src : "/static/widget.js", location.href);
  // Where Rasa is: the tag's data-rasa-url, else the page's <meta name="rasa-url">, else what
  // the service that served this file says, else port 5005 of that host.
  const meta = document.querySelector('meta[name="rasa-url"]');
  const RASA = ((script && script.dataset.rasaUrl) || (meta && meta.content) || SERVED_RASA_URL
    || `${SRC.protocol}//${SRC.hostname}:5005`).replace(/\/+$/, "");
  const WEBHOOK = `${RASA}/webhooks/rest/webhook`;
  const STATUS_URL = new URL("../status.json", SRC).href;
  const STYLES_URL = new URL("widget.css", SRC).href;
  const REPLY_TIMEOUT_MS = 15000;
  const STATUS_TIMEOUT_MS = 8000;
  const STATUS_EVERY_MS = 30000;
  // How long an answer waits for the status asked for with it before it is shown anyway.
  const STATUS_WAIT_MS = 3000;
  const KEY_SENDER = "plan-chat-sender";
  const KEY_LOG = "plan-chat-log";
  const KEY_LANGUAGE = "plan-chat-language";
  const KEY_STATE = "plan-chat-state";
  const MEMBER_AUDIENCES = ["member", "all"];
  // When the floating panel takes the whole window (as in widget.css).
  const FULL_WINDOW = window.matchMedia("(max-width: 30em), (max-height: 30em)");
  const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), summary, [tabindex='0']";

  const TEXT = {
    en: {
      name: "Plan Assistant",
      tagline: "Automated help, not a person",
      launcher: "Chat with us",
      unread: (n) => (n === 1 ? "1 new message" : `${n} new messages`),
      minimise: "Minimise chat",
      restore: "Restore chat",
      close: "Close chat",
      language: "Language",
      log: "Conversation",
      you: "You",
      bot: "Plan Assistant",
      inputLabel: "Your message",
      placeholder: "e.g. What is the pharmacy phone number?",
      send: "Send",
      startOver: "Start over",
      typing: "Plan Assistant is typing…",
      choices: "Suggested answers",
      notice: "Service notice",
      ways: "Ways to reach us now",
      up: "working",
      degraded: "working, with limits",
      down: "not available right now",
      checked: "Checked",
      unknown: "We can't check which ways to reach us are working right now.",
      unreachable: "Sorry, the assistant can't be reached right now. Please try again in a few "
        + "minutes. Meanwhile, these ways to reach us are working:",
      unreachableAlone: "Sorry, the assistant can't be reached right now. Please try again in "
        + "a few minutes.",
      emergency: "If this is a medical emergency, call 911.",
      lastResort: "If this is a medical emergency, call 911. Otherwise, call the number on the "
        + "back of your member ID card.",
      retry: "Try again",
    },
    es: {
      name: "Plan Assistant",
      tagline: "Ayuda automática, no una persona",
      launcher: "Chatee con nosotros",
      unread: (n) => (n === 1 ? "1 mensaje nuevo" : `${n} mensajes nuevos`),
      minimise: "Minimizar el chat",
      restore: "Restaurar el chat",
      close: "Cerrar el chat",
      language: "Idioma",
      log: "Conversación",
      you: "Usted",
      bot: "Plan Assistant",
      inputLabel: "Su mensaje",
      placeholder: "p. ej., ¿Cuál es el número de teléfono de la farmacia?",
      send: "Enviar",
      startOver: "Empezar de nuevo",
      typing: "Plan Assistant está escribiendo…",
      choices: "Respuestas sugeridas",
      notice: "Aviso de servicio",
      ways: "Cómo comunicarse con nosotros ahora",
      up: "funciona",
      degraded: "funciona, con limitaciones",
      down: "no disponible en este momento",
      checked: "Consultado a las",
      unknown: "En este momento no podemos comprobar qué vías de contacto funcionan.",
      unreachable: "Lo sentimos, no podemos comunicarnos con el asistente en este momento. "
        + "Inténtelo de nuevo en unos minutos. Mientras tanto, estas vías de contacto "
        + "funcionan:",
      unreachableAlone: "Lo sentimos, no podemos comunicarnos con el asistente en este "
        + "momento. Inténtelo de nuevo en unos minutos.",
      emergency: "Si se trata de una emergencia médica, llame al 911.",
      lastResort: "Si se trata de una emergencia médica, llame al 911. Si no, llame al número "
        + "que aparece al dorso de su tarjeta de identificación de miembro.",
      retry: "Intentar de nuevo",
    },
  };

  // --- storage (blocked storage, e.g. in a private window, must not stop the chat) ---------
  function storage(kind) {
    try {
      const s = window[kind];
      s.getItem(KEY_SENDER);
      return s;
    } catch (e) { return null; }
  }
  const local = storage("localStorage");
  const session = storage("sessionStorage");
  const read = (s, key) => { try { return s ? s.getItem(key) : null; } catch (e) { return null; } };
  const write = (s, key, value) => { try { if (s) s.setItem(key, value); } catch (e) { /* full */ } };

  const newId = () => (crypto.randomUUID ? crypto.randomUUID()
    : `s-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  let sender = read(local, KEY_SENDER) || newId();
  write(local, KEY_SENDER, sender);
  let history = [];
  try {
    const kept = JSON.parse(read(session, KEY_LOG) || "[]");
    if (Array.isArray(kept)) history = kept;
  } catch (e) { history = []; }
  // The member's own choice (the switch) is remembered and sent with every message; without
  // one, the assistant reads the language from what the member writes, and the panel follows
  // the language of its replies.
  const chosen = read(local, KEY_LANGUAGE);
  let explicit = chosen === "es" || chosen === "en";
  let lang = explicit ? chosen : ((navigator.language || "").toLowerCase().startsWith("es") ? "es" : "en");
  const t = () => TEXT[lang];

  // --- building blocks ---------------------------------------------------------------------
  function h(tag, props = {}, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = value;
      else if (key === "on") for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    el.append(...children);
    return el;
  }
  function svg(path) {
    const ns = "http://www.w3.org/2000/svg";
    const icon = document.createElementNS(ns, "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    icon.setAttribute("focusable", "false");
    const shape = document.createElementNS(ns, "path");
    shape.setAttribute("d", path);
    icon.append(shape);
    return icon;
  }
  // Elements whose text (or one attribute) is one of the labels above, for the language switch.
  const labelled = [];
  function label(el, key, attribute) {
    labelled.push([el, key, attribute]);
    return el;
  }

  // --- the panel ---------------------------------------------------------------------------
  const mount = document.querySelector("[data-plan-chat]");
  const inline = Boolean(mount);
  const host = mount || h("div", { id: "plan-chat-widget" });
  const shadow = host.attachShadow({ mode: "open" });
  const root = h("div", { class: `pcw ${inline ? "pcw-page" : "pcw-float"}`, hidden: true });
  const styles = h("link", { rel: "stylesheet", href: STYLES_URL });
  const reveal = () => { root.hidden = false; };
  styles.addEventListener("load", reveal);
  styles.addEventListener("error", reveal);

  const CHAT_ICON = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
  const launcherText = label(h("span", { class: "launcher-text" }), "launcher");
  const unreadText = h("span", { class: "unread", hidden: true });
  const launcher = inline ? null : h("button", {
    type: "button", class: "launcher", id: "pcw-launcher", "aria-haspopup": "dialog",
    "aria-expanded": "false", "aria-controls": "pcw-panel",
  }, svg(CHAT_ICON), launcherText, unreadText);

  const title = label(h("h2", { id: "pcw-title", class: "title" }), "name");
  const tagline = label(h("p", { class: "tagline" }), "tagline");
  const english = h("button", {
    type: "button", class: "lang", id: "pcw-lang-en", lang: "en", "data-lang": "en",
  }, "English");
  const spanish = h("button", {
    type: "button", class: "lang", id: "pcw-lang-es", lang: "es", "data-lang": "es",
  }, "Español");
  const languages = label(h("div", { class: "langs", role: "group" }, english, spanish),
    "language", "aria-label");
  const minimise = inline ? null : h("button", {
    type: "button", class: "icon", id: "pcw-minimise", "aria-controls": "pcw-body",
  }, svg("M5 11h14v2H5z"));
  const close = inline ? null : label(h("button", {
    type: "button", class: "icon", id: "pcw-close",
  }, svg("M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z")),
  "close", "aria-label");
  const controls = h("div", { class: "controls" }, languages, ...(inline ? [] : [minimise, close]));
  const header = h("div", { class: "head" }, h("div", { class: "names" }, title, tagline), controls);

  const banner = label(h("div", { id: "status-banner", class: "banner", role: "status", hidden: true }),
    "notice", "aria-label");
  // The log scrolls (so it can take focus, to scroll by keyboard); its messages are a list.
  const messages = h("ol", { class: "messages" });
  const log = label(h("div", {
    id: "chat-log", class: "log", role: "log", "aria-live": "polite",
    "aria-relevant": "additions", tabindex: "0",
  }, messages), "log", "aria-label");
  const typingText = label(h("span", {}), "typing");
  const typing = h("p", { id: "pcw-typing", class: "typing", role: "status", hidden: true },
    h("span", { class: "dots", "aria-hidden": "true" }, h("i"), h("i"), h("i")), typingText);
  const unreachable = h("div", { id: "pcw-unreachable", class: "unreachable", role: "alert", hidden: true });
  const retry = label(h("button", { type: "button", class: "secondary", id: "pcw-retry" }), "retry");
  const channelList = h("ul", { id: "pcw-channels", class: "channels" });
  const checked = h("p", { class: "checked" });
  const ways = h("details", { id: "pcw-ways", class: "ways" },
    label(h("summary", {}), "ways"), channelList, checked);
  const input = label(h("input", {
    id: "chat-input", name: "message", type: "text", maxlength: "500", required: true,
    autocomplete: "off",
  }), "placeholder", "placeholder");
  const send = label(h("button", { type: "submit", id: "send" }), "send");
  const form = h("form", { id: "chat-form", class: "composer", autocomplete: "off" },
    label(h("label", { for: "chat-input" }), "inputLabel"),
    h("div", { class: "row" }, input, send));
  const startOver = label(h("button", { type: "button", id: "start-over", class: "secondary" }),
    "startOver");
  const body = h("div", { id: "pcw-body", class: "body" },
    banner, log, typing, unreachable, ways, form, h("div", { class: "foot" }, startOver));
  const panel = h("section", {
    id: "pcw-panel", class: "panel", role: inline ? null : "dialog",
    "aria-labelledby": "pcw-title", hidden: !inline,
  }, header, body);
  root.append(...(inline ? [] : [launcher]), panel);
  shadow.append(styles, root);
  if (!inline) document.body.append(host);

  // --- status: which channels work now (/status.json) ---------------------------------------
  // channels: null when /status.json could not be read (then nothing is ever a link).
  let status = { channels: null, incidents: [], stale: false, at: null };
  let linkSignature = "";

  // The JSON at url; an error for a network failure, a non-2xx answer, or no whole answer
  // (headers and body) within ms.
  async function fetchJson(url, options, ms) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ms);
    try {
      const response = await fetch(url, { ...options, signal: controller.signal });
      if (!response.ok) throw new Error(`status ${response.status}`);
      return await response.json();
    } finally {
      clearTimeout(timer);
    }
  }

  async function loadStatus() {
    try {
      // Revalidate every time (cheap 304 via ETag): a stale list is worse than none.
      const url = new URL(STATUS_URL);
      url.searchParams.set("lang", lang);
      const doc = await fetchJson(url.href, {
        cache: "no-cache", credentials: "omit", headers: { Accept: "application/json" },
      }, STATUS_TIMEOUT_MS);
      status = {
        channels: Array.isArray(doc.channels) ? doc.channels : [],
        incidents: Array.isArray(doc.incidents) ? doc.incidents : [],
        stale: doc.stale === true,
        at: new Date(),
        // The store's prose is in this language, unless it has no translation yet.
        language: doc.untranslated === true ? "en" : (doc.language || "en"),
      };
    } catch (e) {
      status = { channels: null, incidents: [], stale: false, at: null };
    }
    showStatus();
    return status;
  }

  const working = (c) => c && c.status !== "down" && typeof c.contact === "string" && c.contact;
  const forMembers = (c) => MEMBER_AUDIENCES.includes(c.audience);

  // What may be a link: the tel: or web address of each channel that works now, with the
  // ways its contact may be written. None while the status is unknown or a stale copy.
  function linkTargets() {
    if (!status.channels || status.stale) return [];
    const targets = [];
    for (const c of status.channels) {
      if (!working(c)) continue;
      if (typeof c.tel === "string" && /^\+1[2-9]\d{9}$/.test(c.tel)) {
        const [a, b, n] = [c.tel.slice(2, 5), c.tel.slice(5, 8), c.tel.slice(8)];
        const forms = [c.contact, `(${a}) ${b}-${n}`, `(${a})${b}-${n}`, `${a}-${b}-${n}`,
          `${a}.${b}.${n}`, `${a} ${b} ${n}`, `1-${a}-${b}-${n}`, `1 (${a}) ${b}-${n}`,
          `+1 ${a} ${b} ${n}`, `+1-${a}-${b}-${n}`, `+1 (${a}) ${b}-${n}`];
        targets.push({ href: `tel:${c.tel}`, forms: [...new Set(forms)], fold: false });
      } else if (typeof c.url === "string" && /^https?:\/\/[^\s"'<>]+$/i.test(c.url)) {
        const bare = c.url.replace(/^https?:\/\//i, "");
        targets.push({ href: c.url, forms: [...new Set([c.contact, c.url, bare])], fold: true });
      }
    }
    return targets;
  }

  const WORD = /[0-9A-Za-z_]/;
  function findLinks(text, targets) {
    const hits = [];
    const lower = text.toLowerCase();
    for (const target of targets) {
      for (const form of target.forms) {
        if (!form) continue;
        // (Case folding that changes a text's length would shift every index: no links then.)
        const hay = target.fold ? (lower.length === text.length ? lower : "") : text;
        const needle = target.fold ? form.toLowerCase() : form;
        for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + 1)) {
          const end = i + needle.length;
          const before = text[i - 1] || " ";
          const after = text[end] || " ";
          if (WORD.test(before) || WORD.test(after) || (after === "." && WORD.test(text[end + 1] || " "))) continue;
          hits.push({ start: i, end, target });
        }
      }
    }
    hits.sort((x, y) => x.start - y.start || (y.end - y.start) - (x.end - x.start));
    const chosen = [];
    let until = 0;
    for (const hit of hits) {
      if (hit.start >= until) {
        chosen.push(hit);
        until = hit.end;
      }
    }
    return chosen;
  }

  // Text, with the contacts of working channels as links (all else stays text).
  const rawText = new WeakMap();
  function fill(el, text) {
    rawText.set(el, text);
    el.replaceChildren();
    let position = 0;
    for (const hit of findLinks(text, linkTargets())) {
      if (hit.start > position) el.append(text.slice(position, hit.start));
      const link = h("a", { href: hit.target.href }, text.slice(hit.start, hit.end));
      if (!hit.target.href.startsWith("tel:")) {
        link.target = "_blank";
        link.rel = "noopener noreferrer";
      }
      el.append(link);
      position = hit.end;
    }
    if (position < text.length) el.append(text.slice(position));
  }

  const timeFormat = () => new Intl.DateTimeFormat(lang === "es" ? "es-US" : "en-US",
    { hour: "numeric", minute: "2-digit" });

  function channelItem(c, withState) {
    const item = h("li", { class: `channel ${c.status}` },
      h("span", { class: "channel-name", lang: status.language || "en", text: c.name }));
    if (withState) {
      item.append(" ", h("span", { class: "state", "data-status": c.status, text: `(${t()[c.status] || c.status})` }));
    }
    if (working(c)) {
      const contact = h("span", { class: "contact", lang: "en" });
      fill(contact, c.contact);
      item.append(h("br"), contact);
    }
    return item;
  }

  // What each part last showed: a refresh that changes nothing re-renders (and re-announces)
  // nothing, and keeps the member's place (focus, an open incident) where it was.
  const shownAs = { banner: "", channels: "", unreachable: "" };
  function changed(part, value) {
    const key = JSON.stringify([lang, linkSignature, value]);
    if (shownAs[part] === key) return false;
    shownAs[part] = key;
    return true;
  }

  function showStatus() {
    // Links already shown follow the channels: a line that went down is no longer one.
    const signature = JSON.stringify(linkTargets().map((x) => x.href));
    if (signature !== linkSignature) {
      linkSignature = signature;
      for (const bubble of log.querySelectorAll("li.bot .bubble")) {
        if (rawText.has(bubble)) fill(bubble, rawText.get(bubble));
      }
    }
    const incidents = status.incidents || [];
    if (changed("banner", incidents.map((i) => [i.title, i.summary]))) {
      banner.replaceChildren();
      for (const incident of incidents) {
        // Open on the chat page (as its banner always was); a title only over another page.
        const more = h("details", { open: inline }, h("summary", { lang: status.language || "en", text: incident.title || "" }));
        if (incident.summary) more.append(h("p", { lang: status.language || "en", text: incident.summary }));
        banner.append(more);
      }
      banner.hidden = incidents.length === 0;
    }
    if (changed("channels", status.channels)) {
      channelList.replaceChildren();
      if (status.channels) {
        const shown = status.channels.filter(forMembers);
        const order = (c) => (c.status === "down" ? 1 : 0);
        shown.sort((x, y) => order(x) - order(y));
        for (const c of shown) channelList.append(channelItem(c, true));
      }
    }
    checked.textContent = status.channels
      ? `${t().checked} ${timeFormat().format(status.at)}` : t().unknown;
    if (!unreachable.hidden) showUnreachable();
  }

  // --- when the assistant can't be reached ---------------------------------------------------
  let failed = null; // the message that got no answer: [message, shown]
  function showUnreachable() {
    if (!changed("unreachable", status.channels) && !unreachable.hidden) return;
    unreachable.hidden = false; // shown first, then filled: screen readers announce the alert
    unreachable.replaceChildren();
    if (status.channels === null) {
      unreachable.append(h("p", { text: t().unreachableAlone }),
        h("p", { class: "last-resort", text: t().lastResort }));
    } else {
      // The ones a member can use at once (a number to call, an address to open) first.
      const direct = (c) => (c.tel || c.url ? 0 : 1);
      const open = status.channels.filter((c) => forMembers(c) && working(c))
        .sort((x, y) => direct(x) - direct(y));
      if (open.length) {
        unreachable.append(h("p", { text: t().unreachable }),
          h("ul", { class: "channels" }, ...open.map((c) => channelItem(c, false))),
          h("p", { class: "emergency", text: t().emergency }));
      } else {
        unreachable.append(h("p", { text: t().unreachableAlone }),
          h("p", { class: "last-resort", text: t().lastResort }));
      }
    }
    unreachable.append(retry);
  }

  // --- the conversation ----------------------------------------------------------------------
  function save() { write(session, KEY_LOG, JSON.stringify(history)); }

  function render(entry, live) {
    const mine = entry.from !== "bot";
    const who = h("span", { class: "who", "data-from": mine ? "me" : "bot", text: mine ? t().you : t().bot });
    const meta = h("div", { class: "meta" }, who);
    const when = entry.at ? new Date(entry.at) : null;
    if (when && !Number.isNaN(when.getTime())) {
      meta.append(" ", h("time", { datetime: when.toISOString(), text: timeFormat().format(when) }));
    }
    const bubble = h("div", { class: "bubble" });
    if (mine) bubble.textContent = entry.text || "";
    else {
      bubble.lang = entry.lang || lang;
      fill(bubble, entry.text || "");
    }
    const item = h("li", { class: mine ? "me" : "bot" }, meta, bubble);
    if (live && entry.buttons && entry.buttons.length) {
      const choices = label(h("div", { class: "choices", role: "group" }), "choices", "aria-label");
      for (const b of entry.buttons) {
        choices.append(h("button", {
          type: "button", lang: entry.lang || lang, text: b.title,
          on: {
            click: () => {
              choices.remove();
              input.focus();
              ask(b.payload, b.title);
            },
          },
        }));
      }
      item.append(choices);
    }
    messages.append(item);
    log.scrollTop = log.scrollHeight;
  }

  function add(entry, live = true) {
    const at = new Date().toISOString();
    history.push({ from: entry.from, text: entry.text, at, lang: entry.lang });
    save();
    render({ ...entry, at }, live);
  }

  async function post(message) {
    const replies = await fetchJson(WEBHOOK, {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender, message, metadata: explicit ? { language: lang } : {} }),
    }, REPLY_TIMEOUT_MS);
    if (!Array.isArray(replies)) throw new Error("not a list of messages");
    return replies.filter((r) => r && (r.text || (r.buttons && r.buttons.length)));
  }

  let waiting = 0;
  async function ask(message, shown) {
    unreachable.hidden = true;
    failed = null;
    if (shown !== null) add({ from: "me", text: shown ?? message });
    waiting += 1;
    send.disabled = true;
    typing.hidden = false;
    const fresh = loadStatus(); // the links in the answer follow the status asked for with it
    let replies = null;
    try {
      replies = await post(message);
    } catch (e) {
      replies = null;
    }
    await Promise.race([fresh, new Promise((resolve) => setTimeout(resolve, STATUS_WAIT_MS))]);
    waiting -= 1;
    if (!waiting) {
      send.disabled = false;
      typing.hidden = true;
    }
    if (!replies || !replies.length) {
      failed = [message, shown];
      showUnreachable();
      return;
    }
    for (const r of replies) {
      followReply(r.language);
      add({ from: "bot", text: r.text || "", buttons: r.buttons || [], lang: r.language });
    }
    if (state !== "open") {
      unread += replies.length;
      showUnread();
    }
  }

  let greeted = history.length > 0;
  function greet() {
    if (greeted) return;
    greeted = true;
    ask("/greet", null);
  }

  // --- open, minimised, closed -----------------------------------------------------------
  let state = inline ? "open" : (read(session, KEY_STATE) || "closed");
  if (!["open", "minimised", "closed"].includes(state)) state = "closed";
  let unread = 0;

  function showUnread() {
    if (!launcher) return;
    unreadText.hidden = unread === 0;
    unreadText.textContent = unread ? ` (${t().unread(unread)})` : "";
  }

  function setState(next, focus) {
    state = next;
    if (inline) return;
    write(session, KEY_STATE, next);
    panel.hidden = next === "closed";
    body.hidden = next === "minimised";
    panel.classList.toggle("minimised", next === "minimised");
    launcher.hidden = next !== "closed";
    launcher.setAttribute("aria-expanded", String(next !== "closed"));
    minimise.setAttribute("aria-expanded", String(next === "open"));
    minimise.setAttribute("aria-label", next === "minimised" ? t().restore : t().minimise);
    minimise.replaceChildren(next === "minimised" ? svg("M5 5h14v14H5zm2 4v8h10V9z") : svg("M5 11h14v2H5z"));
    if (next === "open") {
      unread = 0;
      showUnread();
      log.scrollTop = log.scrollHeight;
      loadStatus();
      greet();
      if (focus) input.focus();
    } else if (focus && next === "minimised") {
      minimise.focus();
    } else if (focus && next === "closed") {
      launcher.focus();
    }
  }

  // --- the language switch -------------------------------------------------------------------
  function applyLanguage() {
    root.lang = lang;
    for (const [el, key, attribute] of labelled) {
      if (attribute) el.setAttribute(attribute, t()[key]);
      else el.textContent = t()[key];
    }
    english.setAttribute("aria-pressed", String(lang === "en"));
    spanish.setAttribute("aria-pressed", String(lang === "es"));
    for (const who of log.querySelectorAll(".who")) {
      who.textContent = who.dataset.from === "me" ? t().you : t().bot;
    }
    for (const time of log.querySelectorAll("time")) {
      time.textContent = timeFormat().format(new Date(time.dateTime));
    }
    showUnread();
    if (!inline) minimise.setAttribute("aria-label", state === "minimised" ? t().restore : t().minimise);
    showStatus();
  }

  function setLanguage(next) {
    explicit = true;
    write(local, KEY_LANGUAGE, next);
    if (next === lang) return;
    lang = next;
    applyLanguage();
    loadStatus();
  }

  /** The assistant answered in another language than the panel's (the member wrote in it). */
  function followReply(replyLang) {
    if (explicit || !replyLang || replyLang === lang || !TEXT[replyLang]) return;
    lang = replyLang;
    applyLanguage();
    loadStatus();
  }

  // --- wiring --------------------------------------------------------------------------------
  english.addEventListener("click", () => setLanguage("en"));
  spanish.addEventListener("click", () => setLanguage("es"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    ask(text);
    input.focus();
  });
  retry.addEventListener("click", () => {
    if (!failed) return;
    const [message] = failed;
    input.focus();
    ask(message, null);
  });
  startOver.addEventListener("click", () => {
    sender = newId();
    write(local, KEY_SENDER, sender);
    history = [];
    save();
    messages.replaceChildren();
    unreachable.hidden = true;
    greeted = false;
    greet();
    input.focus();
  });
  if (!inline) {
    launcher.addEventListener("click", () => setState("open", true));
    minimise.addEventListener("click", () => setState(state === "minimised" ? "open" : "minimised", true));
    close.addEventListener("click", () => setState("closed", true));
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && state === "open") {
        event.preventDefault();
        event.stopPropagation();
        setState("minimised", true);
      } else if (event.key === "Tab" && state === "open" && FULL_WINDOW.matches) {
        // The panel covers the whole window: Tab stays in it (the page behind can't be seen).
        const stops = [...panel.querySelectorAll(FOCUSABLE)].filter((e) => e.getClientRects().length);
        const at = stops.indexOf(shadow.activeElement);
        const next = event.shiftKey ? (at <= 0 ? stops.length - 1 : -1) : (at === stops.length - 1 ? 0 : -1);
        if (next >= 0 && stops[next]) {
          event.preventDefault();
          stops[next].focus();
        }
      }
    });
    const modal = () => panel.setAttribute("aria-modal", String(FULL_WINDOW.matches));
    modal();
    FULL_WINDOW.addEventListener("change", modal);
  }

  for (const entry of history) render(entry, false);
  applyLanguage();
  setState(state, false); // open: reads the status (and greets) at once
  // The status is read while the panel is showing (a launcher alone needs none), every
  // STATUS_EVERY_MS while the page is visible, and with every message.
  if (state === "minimised") loadStatus();
  setInterval(() => {
    if (state !== "closed" && !document.hidden) loadStatus();
  }, STATUS_EVERY_MS);
  document.addEventListener("visibilitychange", () => {
    if (state !== "closed" && !document.hidden) loadStatus();
  });
  if (inline) {
    loadStatus();
    greet();
  }
});
