// The emulator's chat client: one phone per pane, each a Telegram user talking to the bot.
// Reads /api/panes once, then long-polls /api/state; every message is keyed by its id, so a
// message edited in place is redrawn where it stands, never added twice.
"use strict";

const state = { bot: null, panes: {}, known: {} };

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child);
  }
  return node;
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  });
  if (!response.ok) throw new Error(await response.text());
  return response.json();
}

// --- links: a t.me link to this bot with ?start= opens the bot as the pane's person --------

function startParameter(href) {
  let url;
  try {
    url = new URL(href);
  } catch (error) {
    return null;
  }
  const host = url.hostname.toLowerCase();
  if (host !== "t.me" && host !== "telegram.me") return null;
  if (url.pathname.replace(/^\//, "").toLowerCase() !== state.bot.username.toLowerCase()) {
    return null;
  }
  return url.searchParams.get("start");
}

function link(pane, href, text) {
  const start = startParameter(href);
  if (start !== null) {
    return el("a", {
      href,
      class: "deep-link",
      title: "Open the bot with this link, as " + pane.name,
      onclick: (event) => {
        event.preventDefault();
        post(`/api/panes/${pane.key}/start`, { start }).catch((e) => toast(pane, e.message, true));
      },
    }, text);
  }
  return el("a", { href, target: "_blank", rel: "noopener noreferrer" }, text);
}

const BARE_URL = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]}'"»]/g;

function linkified(pane, text) {
  const parts = [];
  let at = 0;
  for (const match of text.matchAll(BARE_URL)) {
    parts.push(text.slice(at, match.index));
    parts.push(link(pane, match[0], match[0]));
    at = match.index + match[0].length;
  }
  parts.push(text.slice(at));
  return parts;
}

// --- text with entities (offsets in UTF-16 code units, as JavaScript strings count) -------

function entityNode(pane, text, entity) {
  const inner = text.slice(entity.offset, entity.offset + entity.length);
  switch (entity.type) {
    case "bold": return el("strong");
    case "italic": return el("em");
    case "underline": return el("u");
    case "strikethrough": return el("s");
    case "code": return el("code");
    case "pre": return el("pre");
    case "spoiler": return el("span", { class: "spoiler", tabindex: "0" });
    case "blockquote": case "expandable_blockquote": return el("blockquote");
    case "text_link": return link(pane, entity.url);
    case "url": return link(pane, /^https?:/.test(inner) ? inner : "https://" + inner);
    default: return el("span");
  }
}

function appendRange(pane, parent, text, from, to, entities) {
  let at = from;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    const end = entity.offset + entity.length;
    if (at < entity.offset) parent.append(...linkified(pane, text.slice(at, entity.offset)));
    const node = entityNode(pane, text, entity);
    const inside = [];
    i += 1;
    while (i < entities.length && entities[i].offset < end) {
      inside.push(entities[i]);
      i += 1;
    }
    if (node.tagName === "A") appendRange(pane, node, text, entity.offset, end, []);
    else appendRange(pane, node, text, entity.offset, end, inside);
    // linkify inside non-link entities happens in the recursion
    parent.append(node);
    at = end;
  }
  if (at < to) {
    const rest = text.slice(at, to);
    if (parent.tagName === "A") parent.append(rest);
    else parent.append(...linkified(pane, rest));
  }
}

function richText(pane, text, entities) {
  const box = el("span", { class: "text", dir: "auto" });
  const sorted = [...(entities || [])].sort(
    (a, b) => a.offset - b.offset || b.length - a.length,
  );
  appendRange(pane, box, text, 0, text.length, sorted);
  return box;
}

// --- one message -------------------------------------------------------------------------

function time(date) {
  if (!date) return "";
  const moment = new Date(date * 1000);
  return moment.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function inlineKeyboard(pane, message) {
  if (!message.buttons.length) return null;
  const box = el("div", { class: "inline-keyboard", role: "group", "aria-label": "Buttons" });
  message.buttons.forEach((row, r) => {
    const line = el("div", { class: "row" });
    row.forEach((button, c) => {
      if (button.url) {
        line.append(link(pane, button.url, button.text));
        return;
      }
      line.append(el("button", {
        type: "button",
        onclick: () => post(`/api/panes/${pane.key}/press`, { message: message.id, row: r, column: c })
          .catch((e) => toast(pane, e.message, true)),
      }, button.text));
    });
    box.append(line);
  });
  return box;
}

function mapLink(latitude, longitude) {
  return `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=17/${latitude}/${longitude}`;
}

function messageNode(pane, message) {
  const item = el("li", {
    class: "message" + (message.from_bot ? " bot" : " own"),
    "data-id": String(message.id),
    "data-version": String(message.version),
  });
  if (message.photo) {
    item.append(el("img", {
      src: message.photo,
      alt: message.text ? "Picture: " + message.text.split("\n")[0] : "Picture",
    }));
  }
  if (message.document) {
    item.append(el("a", { class: "card", href: message.document.url, download: message.document.name },
      "📎 ", el("bdi", {}, message.document.name)));
  }
  if (message.venue) {
    const v = message.venue;
    item.append(el("span", { class: "card" }, "📍 ", el("strong", {}, v.title), "\n", v.address, "\n",
      el("a", { href: mapLink(v.latitude, v.longitude), target: "_blank", rel: "noopener noreferrer" },
        "Map")));
  } else if (message.location) {
    const l = message.location;
    item.append(el("a", { class: "card", href: mapLink(l.latitude, l.longitude), target: "_blank",
      rel: "noopener noreferrer" }, "📍 Location"));
  }
  if (message.contact) item.append(el("span", { class: "card" }, "👤 " + message.contact.name + " " + message.contact.phone));
  if (message.sticker) item.append(el("span", { class: "card" }, message.sticker));
  if (message.text) item.append(richText(pane, message.text, message.entities));
  const flags = [message.edited ? "edited" : null, message.protected ? "protected" : null].filter(Boolean);
  item.append(el("span", { class: "meta", lang: "en", dir: "ltr" },
    [...flags, time(message.date)].join(" · ")));
  const keyboard = inlineKeyboard(pane, message);
  if (keyboard) item.append(keyboard);
  return item;
}

// --- a pane ------------------------------------------------------------------------------

function toast(pane, text, alert) {
  const box = pane.nodes.toast;
  box.textContent = text;
  box.classList.toggle("alert", Boolean(alert));
  clearTimeout(pane.toastTimer);
  pane.toastTimer = setTimeout(() => { box.textContent = ""; }, alert ? 6000 : 3500);
}

function buildPane(info) {
  const pane = { ...info, answered: null, nodes: {} };
  const titleId = `title-${info.key}`;
  const inputId = `text-${info.key}`;
  const linkId = `link-${info.key}`;
  const list = el("ol", { class: "messages", "aria-live": "polite",
    "aria-label": "Messages of " + info.name });
  list.append(el("li", { class: "empty", lang: "en", dir: "ltr" }, "No messages yet: type /start."));
  const input = el("input", { id: inputId, type: "text", autocomplete: "off", maxlength: "4096" });
  const composer = el("form", { class: "composer", onsubmit: (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    post(`/api/panes/${info.key}/send`, { text }).catch((e) => toast(pane, e.message, true));
  } },
  el("label", { for: inputId, lang: "en", dir: "ltr" }, "Message from " + info.name),
  input,
  el("button", { type: "submit", class: "primary", lang: "en" }, "Send"));
  const linkInput = el("input", { id: linkId, type: "url", placeholder: "https://t.me/…?start=…", dir: "ltr" });
  const openLink = el("details", { class: "open-link", lang: "en", dir: "ltr" },
    el("summary", {}, "Open a link on this phone"),
    el("form", { onsubmit: (event) => {
      event.preventDefault();
      const start = startParameter(linkInput.value.trim());
      if (start === null) {
        toast(pane, `Not a link to @${state.bot.username} with ?start=`, true);
        return;
      }
      linkInput.value = "";
      post(`/api/panes/${info.key}/start`, { start }).catch((e) => toast(pane, e.message, true));
    } },
    el("label", { for: linkId }, "Link to open as " + info.name),
    linkInput,
    el("button", { type: "submit" }, "Open")));
  const placeId = `place-${info.key}`;
  const placeInput = el("input", { id: placeId, type: "text", value: "52.0907, 5.1214", dir: "ltr",
    inputmode: "decimal" });
  const sendPlace = el("details", { class: "open-link", lang: "en", dir: "ltr" },
    el("summary", {}, "📎 Send a location"),
    el("form", { onsubmit: (event) => {
      event.preventDefault();
      const [latitude, longitude] = placeInput.value.split(",").map((part) => Number(part.trim()));
      if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) {
        toast(pane, "Latitude, longitude: e.g. 52.0907, 5.1214", true);
        return;
      }
      post(`/api/panes/${info.key}/location`, { latitude, longitude })
        .catch((e) => toast(pane, e.message, true));
    } },
    el("label", { for: placeId }, "Latitude, longitude to send as " + info.name),
    placeInput,
    el("button", { type: "submit" }, "Send")));
  const keyboard = el("div", { class: "reply-keyboard", role: "group", "aria-label": "Keyboard", hidden: true });
  const toastBox = el("div", { class: "toast", role: "status", "aria-live": "polite" });
  const section = el("section", {
    class: "phone", "aria-labelledby": titleId, lang: info.lang, dir: info.dir, "data-pane": info.key,
  },
  el("header", { lang: "en", dir: "ltr" },
    el("h2", { id: titleId }, `${info.title}: ${info.name}`),
    el("p", { class: "who" }, [info.note, `language ${info.lang}`].filter(Boolean).join(" · "))),
  toastBox, list, keyboard, composer, openLink, sendPlace);
  pane.nodes = { section, list, keyboard, toast: toastBox, input };
  return pane;
}

function renderKeyboard(pane, rows) {
  const box = pane.nodes.keyboard;
  box.replaceChildren();
  box.hidden = !rows;
  (rows || []).forEach((row, r) => {
    const line = el("div", { class: "row" });
    row.forEach((key, c) => {
      line.append(el("button", { type: "button", onclick: () =>
        post(`/api/panes/${pane.key}/key`, { row: r, column: c }).catch((e) => toast(pane, e.message, true)),
      }, key.text));
    });
    box.append(line);
  });
}

function renderPane(pane, data) {
  const list = pane.nodes.list;
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const existing = new Map();
  for (const node of list.querySelectorAll("li.message")) existing.set(node.dataset.id, node);
  const empty = list.querySelector("li.empty");
  if (data.messages.length && empty) empty.remove();
  let previous = null;
  for (const message of data.messages) {
    const id = String(message.id);
    let node = existing.get(id);
    existing.delete(id);
    if (!node || node.dataset.version !== String(message.version)) {
      const fresh = messageNode(pane, message);
      if (node) {
        const focused = node.contains(document.activeElement);
        node.replaceWith(fresh);
        if (focused) (fresh.querySelector("button, a") || fresh).focus?.();
      }
      node = fresh;
    }
    const want = previous ? previous.nextSibling : list.firstChild;
    if (want !== node) list.insertBefore(node, want);
    previous = node;
  }
  for (const gone of existing.values()) gone.remove();
  renderKeyboard(pane, data.keyboard);
  if (pane.answered !== null && data.answered > pane.answered) {
    const fresh = data.answers.slice(-(data.answered - pane.answered));
    const last = fresh[fresh.length - 1];
    if (last) toast(pane, last.text, last.alert);
  }
  pane.answered = data.answered;
  if (nearBottom) list.scrollTop = list.scrollHeight;
}

// --- the page ----------------------------------------------------------------------------

async function poll() {
  for (;;) {
    const known = Object.entries(state.known).map(([k, v]) => `${k}:${v}`).join(",");
    try {
      const response = await fetch(`/api/state?known=${encodeURIComponent(known)}`);
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      for (const [key, paneState] of Object.entries(data.panes)) {
        const pane = state.panes[key];
        if (!pane) continue;
        renderPane(pane, paneState);
        state.known[key] = paneState.version;
      }
      document.body.dataset.synced = "yes";
    } catch (error) {
      document.body.dataset.synced = "no";
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function buildActions(actions) {
  const box = document.getElementById("actions");
  const status = document.getElementById("action-status");
  for (const action of actions) {
    const button = el("button", { type: "button", class: "primary", onclick: async () => {
      button.disabled = true;
      status.textContent = action.label + ": working…";
      try {
        const result = await post(`/api/actions/${action.key}`);
        status.textContent = result.message;
      } catch (error) {
        status.textContent = action.label + " failed: " + error.message;
      } finally {
        button.disabled = false;
      }
    } }, action.label);
    box.append(button);
  }
}

async function main() {
  const info = await (await fetch("/api/panes")).json();
  state.bot = info.bot;
  document.title = info.title;
  document.getElementById("title").textContent = info.title;
  const phones = document.getElementById("phones");
  for (const paneInfo of info.panes) {
    const pane = buildPane(paneInfo);
    state.panes[pane.key] = pane;
    phones.append(pane.nodes.section);
  }
  buildActions(info.actions);
  poll();
}

main();
